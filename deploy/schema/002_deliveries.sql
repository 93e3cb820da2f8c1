-- 002_deliveries.sql - what each department body still has to receive
-- (issue 4, services/ledger/db_deliveries.c, services/router/desk.c).
--
-- Every time a case is assigned to a body (created, escalated, dispatched,
-- returned to the dispatch centre) and every time a body is copied on a
-- case, one `deliveries` row is written IN THE SAME TRANSACTION as the
-- event that assigned it, with the next number of that body's own delivery
-- sequence. The router pushes a body's pending rows in sequence order until
-- the body acknowledges them (CaseAction DELIVERED); it keeps nothing of
-- its own, so a router crash loses nothing.

-- One counter row per body. Updating it locks the row until COMMIT, so a
-- body's delivery_seq order is its commit order (as ledger_counters does
-- for event_seq): a desk never sees seq 7 committed after it saw seq 8.
CREATE TABLE delivery_counters (
    body_id  text PRIMARY KEY,
    last_seq bigint NOT NULL
);

CREATE TABLE deliveries (
    body_id      text NOT NULL,
    delivery_seq bigint NOT NULL,
    case_id      text NOT NULL REFERENCES cases (case_id),
    copy         boolean NOT NULL,
    event_seq    bigint NOT NULL,       -- the case_events row that assigned it
    created_at   timestamptz NOT NULL DEFAULT now(),
    acked_at     timestamptz,           -- the body's system confirmed it
    -- The case moved to another body before this body acknowledged it:
    -- nothing to deliver any more (a copy is never superseded).
    superseded_at timestamptz,
    PRIMARY KEY (body_id, delivery_seq)
);
-- What the router asks for: a body's pending rows in sequence order.
CREATE INDEX deliveries_pending ON deliveries (body_id, delivery_seq)
    WHERE acked_at IS NULL AND superseded_at IS NULL;
CREATE INDEX deliveries_case ON deliveries (case_id, body_id);

-- Takes the next delivery number of a body.
CREATE FUNCTION ld_next_delivery(p_body text) RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO delivery_counters AS d (body_id, last_seq) VALUES (p_body, 1)
    ON CONFLICT (body_id) DO UPDATE SET last_seq = d.last_seq + 1
    RETURNING last_seq;
$$;

-- Writes the deliveries an assigning event implies. A trigger rather than
-- code in every statement that assigns: no path that assigns a case (now or
-- added later) can forget its delivery, and it is always the same
-- transaction. AFTER triggers run at the end of the statement, so the
-- case row written by the same statement is visible here.
CREATE FUNCTION ld_deliver_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    IF NEW.kind NOT IN ('assigned', 'escalated', 'dispatched', 'returned')
       OR NEW.body_id = '' THEN
        RETURN NULL;
    END IF;
    -- Whoever held the case before and never acknowledged it has nothing
    -- left to receive: the case is not theirs any more.
    UPDATE deliveries SET superseded_at = now()
     WHERE case_id = NEW.case_id AND NOT copy AND acked_at IS NULL AND superseded_at IS NULL;
    INSERT INTO deliveries (body_id, delivery_seq, case_id, copy, event_seq)
    VALUES (NEW.body_id, ld_next_delivery(NEW.body_id), NEW.case_id, false, NEW.seq);
    IF NEW.kind = 'assigned' THEN
        -- The first assignment also reaches every copied body (cc).
        FOR c IN SELECT DISTINCT x FROM cases, unnest(cases.cc) AS x
                  WHERE cases.case_id = NEW.case_id AND x <> '' AND x <> NEW.body_id
                  ORDER BY x LOOP
            INSERT INTO deliveries (body_id, delivery_seq, case_id, copy, event_seq)
            VALUES (c, ld_next_delivery(c), NEW.case_id, true, NEW.seq);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER case_events_deliver AFTER INSERT ON case_events
    FOR EACH ROW EXECUTE FUNCTION ld_deliver_on_event();
