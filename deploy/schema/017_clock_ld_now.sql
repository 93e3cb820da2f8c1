-- 017_clock_ld_now.sql - one clock for the whole system (issue 11): every
-- "now" of the ledger's SQL is ld_now(), the system's clock (lib/clock.h).
--
-- The ledger opens each session with its clock as settings (libpq options,
-- services/ledger/ledger_clock.h): liandong.clock_speed, clock_wall_ms and
-- clock_sim_ms. Under an accelerated clock ld_now() is the simulated
-- instant the ledger's own clock gives, computed with its formula from the
-- transaction's now():  sim_ms + (now() in ms - wall_ms) * speed, so it
-- stands still within a transaction as now() does. Without the settings
-- (the real clock, psql, the reports role) ld_now() is now(): nothing
-- changes.
--
-- Applied migrations are never edited, so what used now() is redefined
-- here: the roll-ups' day and month (012_reopen's ld_flush_bumps) and the
-- defaults of every time column the ledger leaves to the
-- database. schema_migrations.applied_at keeps the real time: it records
-- when the schema changed, not a moment of a case. The deliveries'
-- superseded_at (015_speed_deliveries_set's ld_deliver_on_events;
-- 002/008/012's ld_deliver_on_event is no longer fired) is on ld_now() in
-- 017_write_set_based.sql, which redefines that function after this file.

CREATE FUNCTION ld_now() RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN COALESCE(current_setting('liandong.clock_speed', true), '') = ''
                THEN now()
                ELSE to_timestamp(floor(
                         current_setting('liandong.clock_sim_ms')::float8
                         + (extract(epoch FROM now())::float8 * 1000
                            - current_setting('liandong.clock_wall_ms')::float8)
                           * current_setting('liandong.clock_speed')::float8) / 1000.0)
           END
$$;

ALTER TABLE deliveries ALTER COLUMN created_at SET DEFAULT ld_now();
ALTER TABLE registry_imports ALTER COLUMN at SET DEFAULT ld_now();
ALTER TABLE registry_versions ALTER COLUMN imported_at SET DEFAULT ld_now();
ALTER TABLE wechat_bindings ALTER COLUMN bound_at SET DEFAULT ld_now();
ALTER TABLE wechat_messages ALTER COLUMN linked_at SET DEFAULT ld_now();
ALTER TABLE case_alerts ALTER COLUMN recorded_at SET DEFAULT ld_now();
ALTER TABLE case_reporters ALTER COLUMN joined_at SET DEFAULT ld_now();

-- 012_reopen's flush: the day and month the figures land on.
CREATE OR REPLACE FUNCTION ld_flush_bumps() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_tx bigint := txid_current();
    today date := (ld_now() AT TIME ZONE 'UTC')::date;
    this_month date := date_trunc('month', (ld_now() AT TIME ZONE 'UTC')::date)::date;
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

-- 015_speed_deliveries_set's ld_deliver_on_events (when a delivery was
-- superseded) is redefined on ld_now() by 017_write_set_based.sql, which
-- applies after this file and rewrites the whole function anyway.
