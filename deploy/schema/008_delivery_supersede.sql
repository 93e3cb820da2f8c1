-- 008_delivery_supersede.sql - the delivery trigger of 002 cost more than
-- the rest of a new case put together (make bench: 1.6 ms of 2.3 ms per
-- case, pg_stat_statements with track = all).
--
-- Cause: PL/pgSQL caches a statement's plan for the life of the session.
-- The supersede UPDATE's generic plan was made while `deliveries` was
-- nearly empty and took the partial index deliveries_pending (its
-- predicate matches the UPDATE's exactly), so every new case scanned every
-- pending delivery of the city to find the case's own: cost grew with the
-- backlog. Two changes:
--   * an index on exactly what the UPDATE looks for (the case's one
--     undelivered holder row), so any plan, generic or not, is one short
--     index probe;
--   * a case's first assignment (event kind 'assigned', written only when
--     the case is created, in the same statement as the case row) cannot
--     have an earlier holder, so it skips the UPDATE altogether.
CREATE INDEX deliveries_held ON deliveries (case_id)
    WHERE NOT copy AND acked_at IS NULL AND superseded_at IS NULL;

CREATE OR REPLACE FUNCTION ld_deliver_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    IF NEW.kind NOT IN ('assigned', 'escalated', 'dispatched', 'returned')
       OR NEW.body_id = '' THEN
        RETURN NULL;
    END IF;
    IF NEW.kind <> 'assigned' THEN
        -- Whoever held the case before and never acknowledged it has
        -- nothing left to receive: the case is not theirs any more.
        UPDATE deliveries SET superseded_at = now()
         WHERE case_id = NEW.case_id AND NOT copy AND acked_at IS NULL
           AND superseded_at IS NULL;
    END IF;
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
