-- 017_write_set_based.sql - less per-row work on the write path (issue 16,
-- docs/write-path.md, "Second round").
--
-- 1. ld_ms(timestamptz) was declared IMMUTABLE, but its body calls
--    extract(epoch FROM timestamptz), which PostgreSQL marks STABLE. A SQL
--    function whose body is more volatile than its declaration is never
--    inlined, so every call (seven per case row the ledger returns, four
--    per event row) went through the SQL-function executor: about a tenth
--    of the ledger backend's CPU time while it wrote new cases. Declared
--    STABLE, which is what it is, the planner inlines it into a plain
--    expression: the same value, computed in place. (No index or generated
--    column uses ld_ms; an IMMUTABLE declaration would be needed only there.)
ALTER FUNCTION ld_ms(timestamptz) STABLE;

-- 2. The deliveries of a statement's events (015_speed_deliveries_set.sql):
--    the supersede UPDATE is now run only when one of the statement's events
--    hands a case on, and then reads the held deliveries of exactly those
--    cases by index (case_id = ANY). Before, it was planned as a join of
--    every held delivery (deliveries_held: every unacknowledged delivery of
--    every open case) with the transition table, whose size the planner
--    does not know: with stale statistics that became a nested loop over
--    all held deliveries for every statement, new cases included (they hand
--    nothing on), 48 ms for a batch of 64 cases over 6,000 held deliveries.
--    Same rows updated as before; the INSERT part is unchanged. Its times
--    are the system's clock, ld_now() (017_clock_ld_now.sql, issue 11).
CREATE OR REPLACE FUNCTION ld_deliver_on_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    handed text[];
BEGIN
    -- Whoever held the case before and never acknowledged it has nothing
    -- left to receive once an event hands the case on ('assigned' is the
    -- first holder: nothing before it).
    handed := ARRAY(SELECT DISTINCT n.case_id FROM ld_new_events n
                     WHERE n.body_id <> '' AND n.kind <> 'assigned'
                       AND (n.kind IN ('escalated', 'dispatched', 'returned')
                            OR (n.kind = 'rated' AND n.to_state <> 'closed')));
    IF cardinality(handed) > 0 THEN
        UPDATE deliveries SET superseded_at = ld_now()
         WHERE case_id = ANY (handed)
           AND NOT copy AND acked_at IS NULL AND superseded_at IS NULL;
    END IF;
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
           r.case_id, r.copy, r.seq, CASE WHEN r.gone THEN ld_now() END
      FROM r JOIN k ON k.body_id = r.body;
    RETURN NULL;
END $$;
