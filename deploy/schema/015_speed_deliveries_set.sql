-- 015_speed_deliveries_set.sql - the deliveries an assigning event implies,
-- written once per statement instead of once per event row (issue 16,
-- docs/write-path.md).
--
-- Before: a FOR EACH ROW PL/pgSQL trigger on case_events (002, 008,
-- 012_reopen's ld_deliver_on_event) ran, per event, an UPDATE to supersede,
-- ld_next_delivery (one upsert of the body's counter row: 64 times the same
-- row in a batch of 64 cases), an INSERT, and a query for the copied
-- bodies: about half of PostgreSQL's time for a new case once cases were
-- written a batch per statement.
--
-- Now: a FOR EACH STATEMENT trigger with the statement's new events as a
-- transition table does the same with one UPDATE, one counter upsert (each
-- body's row once, with the count it needs, in body order) and one INSERT.
-- Same rows, same numbers: a body's delivery_seq follows the order of the
-- events (seq), the holder's delivery of an event and then its copies, as
-- before; a delivery is superseded by any later event of the statement
-- that hands the case on, exactly as the row trigger's UPDATE did it one
-- row at a time. AFTER (statement) triggers run at the end of the
-- statement, so the case rows written by the same statement are visible.
--
-- Whoever changes what an event delivers from now on changes
-- ld_deliver_on_events(), not ld_deliver_on_event() (no longer fired).

CREATE FUNCTION ld_deliver_on_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Whoever held the case before and never acknowledged it has nothing
    -- left to receive once an event hands the case on ('assigned' is the
    -- first holder: nothing before it).
    UPDATE deliveries SET superseded_at = now()
     WHERE case_id IN (SELECT n.case_id FROM ld_new_events n
                        WHERE n.body_id <> '' AND n.kind <> 'assigned'
                          AND (n.kind IN ('escalated', 'dispatched', 'returned')
                               OR (n.kind = 'rated' AND n.to_state <> 'closed')))
       AND NOT copy AND acked_at IS NULL AND superseded_at IS NULL;
    WITH e AS (
        SELECT n.seq, n.case_id, n.kind, n.body_id FROM ld_new_events n
         WHERE n.body_id <> ''
           AND (n.kind IN ('assigned', 'escalated', 'dispatched', 'returned')
                OR (n.kind = 'rated' AND n.to_state <> 'closed'))),
    r AS (
        -- The holder's delivery; superseded at once when a later event of
        -- this statement hands the same case on.
        SELECT e.body_id AS body, e.case_id, false AS copy, e.seq,
               EXISTS (SELECT 1 FROM e l WHERE l.case_id = e.case_id AND l.seq > e.seq
                          AND l.kind <> 'assigned') AS gone
          FROM e
        UNION ALL
        -- The first assignment also reaches every copied body (cc).
        SELECT DISTINCT x, e.case_id, true, e.seq, false
          FROM e JOIN cases c ON c.case_id = e.case_id, unnest(c.cc) AS x
         WHERE e.kind = 'assigned' AND x <> '' AND x <> e.body_id),
    k AS (
        INSERT INTO delivery_counters AS d (body_id, last_seq)
        SELECT body, count(*) FROM r GROUP BY body ORDER BY body
        ON CONFLICT (body_id) DO UPDATE SET last_seq = d.last_seq + excluded.last_seq
        RETURNING d.body_id, d.last_seq)
    INSERT INTO deliveries (body_id, delivery_seq, case_id, copy, event_seq, superseded_at)
    SELECT r.body,
           k.last_seq - count(*) OVER (PARTITION BY r.body)
               + row_number() OVER (PARTITION BY r.body ORDER BY r.seq),
           r.case_id, r.copy, r.seq, CASE WHEN r.gone THEN now() END
      FROM r JOIN k ON k.body_id = r.body;
    RETURN NULL;
END $$;

DROP TRIGGER case_events_deliver ON case_events;
CREATE TRIGGER case_events_deliver AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS ld_new_events
    FOR EACH STATEMENT EXECUTE FUNCTION ld_deliver_on_events();
