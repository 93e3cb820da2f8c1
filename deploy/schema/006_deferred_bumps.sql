-- 006_deferred_bumps.sql - roll-ups summed per transaction. A batch of 128
-- new cases used to upsert ~12 roll-up rows per case (body and every unit
-- on the compound's path, daily and monthly): about half of the database's
-- work per case, and the same city, district and street rows rewritten
-- over and over inside one transaction. Now ld_bump only notes its deltas;
-- at COMMIT a deferred trigger adds them up and writes each roll-up row
-- once. Still the same transaction as the events, so a figure can never
-- disagree with the history; a rolled-back batch leaves no note behind.
--
-- Reading a figure inside the transaction that bumped it (before COMMIT)
-- does not see that transaction's own bumps yet.

-- Unlogged: notes live only inside their transaction (a crash empties the
-- table, and with it only notes of transactions that did not commit).
CREATE UNLOGGED TABLE ld_pending_bumps (
    tx       bigint NOT NULL,
    body     text NOT NULL,
    compound text NOT NULL,
    d        bigint[] NOT NULL
);
CREATE INDEX ld_pending_bumps_tx ON ld_pending_bumps (tx);

CREATE OR REPLACE FUNCTION ld_bump(p_body text, p_compound text, d bigint[]) RETURNS integer
LANGUAGE sql AS $$
    INSERT INTO ld_pending_bumps (tx, body, compound, d)
    VALUES (txid_current(), p_body, p_compound, d);
    SELECT 1;
$$;

-- Applies this transaction's notes, each roll-up row once. Fired once per
-- note at COMMIT; the first firing does the work for all of them (they are
-- all written by then: deferred triggers run after the last statement).
CREATE FUNCTION ld_flush_bumps() RETURNS trigger LANGUAGE plpgsql AS $$
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
                 sum(d[5]) s5, sum(d[6]) s6, sum(d[7]) s7, sum(d[8]) s8
            FROM del WHERE body <> '' GROUP BY body),
    u AS (SELECT x AS k, sum(del.d[1]) s1, sum(del.d[2]) s2, sum(del.d[3]) s3,
                 sum(del.d[4]) s4, sum(del.d[5]) s5, sum(del.d[6]) s6, sum(del.d[7]) s7,
                 sum(del.d[8]) s8
            FROM del LEFT JOIN units un ON un.code = del.compound,
                 unnest(CASE WHEN un.path IS NULL OR cardinality(un.path) = 0
                             THEN ARRAY[del.compound] ELSE un.path END) AS x
           WHERE del.compound <> '' GROUP BY x),
    bd AS (INSERT INTO figures_body_daily AS f (day, body_id, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned)
           SELECT today, k, s1, s2, s3, s4, s5, s6, s7, s8 FROM b ORDER BY k
           ON CONFLICT (day, body_id) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned),
    bm AS (INSERT INTO figures_body_monthly AS f (month, body_id, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned)
           SELECT this_month, k, s1, s2, s3, s4, s5, s6, s7, s8 FROM b ORDER BY k
           ON CONFLICT (month, body_id) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned),
    ud AS (INSERT INTO figures_unit_daily AS f (day, unit_code, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned)
           SELECT today, k, s1, s2, s3, s4, s5, s6, s7, s8 FROM u ORDER BY k
           ON CONFLICT (day, unit_code) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned)
    INSERT INTO figures_unit_monthly AS f (month, unit_code, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned)
    SELECT this_month, k, s1, s2, s3, s4, s5, s6, s7, s8 FROM u ORDER BY k
    ON CONFLICT (month, unit_code) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ld_pending_bumps_flush AFTER INSERT ON ld_pending_bumps
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ld_flush_bumps();
