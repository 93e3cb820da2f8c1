-- 012_reopen.sql - a dissatisfied rating reopens the case (重办), a second
-- one escalates it, and reopens are a figure of their own (ROUTING.md
-- section 8; issue 11; services/ledger/req_case.c).
--
--   * cases.reopens: how often the case was reopened since it came to its
--     current holder (the ledger escalates a dissatisfied rating once the
--     holder had its reopen; a new holder starts at 0).
--   * roll-up counters 9 to 11 on the four roll-up tables: `reopened`, and
--     the answers the dispatch centre gave on another body's behalf
--     (`replied_on_behalf`, `resolved_on_behalf`: counted on the dispatch
--     centre's row, never as the body's reply; ROUTING.md section 8). The
--     deltas vector of ld_bump grows to eleven; an eight-element vector (any
--     caller not yet aware of it) still works: d[9..11] are NULL there and
--     count 0.
--   * a rating that does not close the case hands it to a body again (the
--     same one, reopened; or the rung above): it is delivered, like an
--     escalation, so the body's desk sees the case come back.
ALTER TABLE cases ADD COLUMN reopens integer NOT NULL DEFAULT 0;

ALTER TABLE figures_body_daily ADD COLUMN reopened bigint NOT NULL DEFAULT 0,
    ADD COLUMN replied_on_behalf bigint NOT NULL DEFAULT 0,
    ADD COLUMN resolved_on_behalf bigint NOT NULL DEFAULT 0;
ALTER TABLE figures_unit_daily ADD COLUMN reopened bigint NOT NULL DEFAULT 0,
    ADD COLUMN replied_on_behalf bigint NOT NULL DEFAULT 0,
    ADD COLUMN resolved_on_behalf bigint NOT NULL DEFAULT 0;
ALTER TABLE figures_body_monthly ADD COLUMN reopened bigint NOT NULL DEFAULT 0,
    ADD COLUMN replied_on_behalf bigint NOT NULL DEFAULT 0,
    ADD COLUMN resolved_on_behalf bigint NOT NULL DEFAULT 0;
ALTER TABLE figures_unit_monthly ADD COLUMN reopened bigint NOT NULL DEFAULT 0,
    ADD COLUMN replied_on_behalf bigint NOT NULL DEFAULT 0,
    ADD COLUMN resolved_on_behalf bigint NOT NULL DEFAULT 0;

-- 006's flush, with counters 9 to 11.
CREATE OR REPLACE FUNCTION ld_flush_bumps() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_tx bigint := txid_current();
    today date := (now() AT TIME ZONE 'UTC')::date;
    this_month date := date_trunc('month', (now() AT TIME ZONE 'UTC')::date)::date;
BEGIN
    IF current_setting('liandong.flushed', true) = v_tx::text THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('liandong.flushed', v_tx::text, true);
    -- One statement: the notes, summed per body and per unit on the
    -- compound's path (the compound alone when the registry does not know
    -- it), each roll-up row written once, in key order (two ledgers
    -- flushing at once lock rows in the same order).
    WITH del AS (DELETE FROM ld_pending_bumps p WHERE p.tx = v_tx
                 RETURNING p.body, p.compound, p.d),
    b AS (SELECT body AS k, sum(d[1]) s1, sum(d[2]) s2, sum(d[3]) s3, sum(d[4]) s4,
                 sum(d[5]) s5, sum(d[6]) s6, sum(d[7]) s7, sum(d[8]) s8,
                 COALESCE(sum(d[9]), 0) s9, COALESCE(sum(d[10]), 0) s10,
                 COALESCE(sum(d[11]), 0) s11
            FROM del WHERE body <> '' GROUP BY body),
    u AS (SELECT x AS k, sum(del.d[1]) s1, sum(del.d[2]) s2, sum(del.d[3]) s3,
                 sum(del.d[4]) s4, sum(del.d[5]) s5, sum(del.d[6]) s6, sum(del.d[7]) s7,
                 sum(del.d[8]) s8, COALESCE(sum(del.d[9]), 0) s9,
                 COALESCE(sum(del.d[10]), 0) s10, COALESCE(sum(del.d[11]), 0) s11
            FROM del LEFT JOIN units un ON un.code = del.compound,
                 unnest(CASE WHEN un.path IS NULL OR cardinality(un.path) = 0
                             THEN ARRAY[del.compound] ELSE un.path END) AS x
           WHERE del.compound <> '' GROUP BY x),
    bd AS (INSERT INTO figures_body_daily AS f (day, body_id, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned, reopened, replied_on_behalf, resolved_on_behalf)
           SELECT today, k, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11 FROM b ORDER BY k
           ON CONFLICT (day, body_id) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned,
        reopened = f.reopened + excluded.reopened,
        replied_on_behalf = f.replied_on_behalf + excluded.replied_on_behalf,
        resolved_on_behalf = f.resolved_on_behalf + excluded.resolved_on_behalf),
    bm AS (INSERT INTO figures_body_monthly AS f (month, body_id, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned, reopened, replied_on_behalf, resolved_on_behalf)
           SELECT this_month, k, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11 FROM b ORDER BY k
           ON CONFLICT (month, body_id) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned,
        reopened = f.reopened + excluded.reopened,
        replied_on_behalf = f.replied_on_behalf + excluded.replied_on_behalf,
        resolved_on_behalf = f.resolved_on_behalf + excluded.resolved_on_behalf),
    ud AS (INSERT INTO figures_unit_daily AS f (day, unit_code, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned, reopened, replied_on_behalf, resolved_on_behalf)
           SELECT today, k, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11 FROM u ORDER BY k
           ON CONFLICT (day, unit_code) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned,
        reopened = f.reopened + excluded.reopened,
        replied_on_behalf = f.replied_on_behalf + excluded.replied_on_behalf,
        resolved_on_behalf = f.resolved_on_behalf + excluded.resolved_on_behalf)
    INSERT INTO figures_unit_monthly AS f (month, unit_code, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned, reopened, replied_on_behalf, resolved_on_behalf)
    SELECT this_month, k, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11 FROM u ORDER BY k
    ON CONFLICT (month, unit_code) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned,
        reopened = f.reopened + excluded.reopened,
        replied_on_behalf = f.replied_on_behalf + excluded.replied_on_behalf,
        resolved_on_behalf = f.resolved_on_behalf + excluded.resolved_on_behalf;
    RETURN NULL;
END $$;


-- 008's delivery trigger, plus ratings that hand the case to a body again.
CREATE OR REPLACE FUNCTION ld_deliver_on_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    IF (NEW.kind NOT IN ('assigned', 'escalated', 'dispatched', 'returned')
        AND NOT (NEW.kind = 'rated' AND NEW.to_state <> 'closed'))
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
