-- 005_figures_monthly.sql - monthly roll-ups next to the daily ones, so a
-- figures query over a long range reads one row per unit and month instead
-- of one per unit and day (2,000 compounds over a year: 24,000 rows, not
-- 730,000). A range is answered from the months it covers whole plus the
-- days at its two ends (services/ledger/db_batch.c, rates_*).
--
-- Bumped by ld_bump in the same transaction as the daily rows, so the two
-- can never disagree; filled once here from the daily rows recorded so far.
CREATE TABLE figures_body_monthly (LIKE figures_body_daily INCLUDING DEFAULTS);
ALTER TABLE figures_body_monthly RENAME COLUMN day TO month;
ALTER TABLE figures_body_monthly ADD PRIMARY KEY (month, body_id);
CREATE TABLE figures_unit_monthly (LIKE figures_unit_daily INCLUDING DEFAULTS);
ALTER TABLE figures_unit_monthly RENAME COLUMN day TO month;
ALTER TABLE figures_unit_monthly ADD PRIMARY KEY (month, unit_code);

INSERT INTO figures_body_monthly
SELECT date_trunc('month', day)::date, body_id, sum(received), sum(replied),
       sum(replied_on_time), sum(resolved), sum(rated), sum(satisfied), sum(escalated),
       sum(returned)
  FROM figures_body_daily GROUP BY 1, 2;
INSERT INTO figures_unit_monthly
SELECT date_trunc('month', day)::date, unit_code, sum(received), sum(replied),
       sum(replied_on_time), sum(resolved), sum(rated), sum(satisfied), sum(escalated),
       sum(returned)
  FROM figures_unit_daily GROUP BY 1, 2;

-- As in 001, plus the same deltas on the month's rows.
CREATE OR REPLACE FUNCTION ld_bump(p_body text, p_compound text, d bigint[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    this_month date := date_trunc('month', (now() AT TIME ZONE 'UTC')::date)::date;
    p text[];
BEGIN
    IF p_body <> '' THEN
        INSERT INTO figures_body_daily AS f (day, body_id, received, replied, replied_on_time,
                                             resolved, rated, satisfied, escalated, returned)
        VALUES (today, p_body, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8])
        ON CONFLICT (day, body_id) DO UPDATE SET
            received = f.received + d[1], replied = f.replied + d[2],
            replied_on_time = f.replied_on_time + d[3], resolved = f.resolved + d[4],
            rated = f.rated + d[5], satisfied = f.satisfied + d[6],
            escalated = f.escalated + d[7], returned = f.returned + d[8];
        INSERT INTO figures_body_monthly AS f (month, body_id, received, replied,
                                               replied_on_time, resolved, rated, satisfied,
                                               escalated, returned)
        VALUES (this_month, p_body, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8])
        ON CONFLICT (month, body_id) DO UPDATE SET
            received = f.received + d[1], replied = f.replied + d[2],
            replied_on_time = f.replied_on_time + d[3], resolved = f.resolved + d[4],
            rated = f.rated + d[5], satisfied = f.satisfied + d[6],
            escalated = f.escalated + d[7], returned = f.returned + d[8];
    END IF;
    IF p_compound <> '' THEN
        SELECT u.path INTO p FROM units u WHERE u.code = p_compound;
        IF p IS NULL OR cardinality(p) = 0 THEN
            p := ARRAY[p_compound];
        END IF;
        INSERT INTO figures_unit_daily AS f (day, unit_code, received, replied, replied_on_time,
                                             resolved, rated, satisfied, escalated, returned)
        SELECT today, x, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8] FROM unnest(p) AS x
        ON CONFLICT (day, unit_code) DO UPDATE SET
            received = f.received + d[1], replied = f.replied + d[2],
            replied_on_time = f.replied_on_time + d[3], resolved = f.resolved + d[4],
            rated = f.rated + d[5], satisfied = f.satisfied + d[6],
            escalated = f.escalated + d[7], returned = f.returned + d[8];
        INSERT INTO figures_unit_monthly AS f (month, unit_code, received, replied,
                                               replied_on_time, resolved, rated, satisfied,
                                               escalated, returned)
        SELECT this_month, x, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8] FROM unnest(p) AS x
        ON CONFLICT (month, unit_code) DO UPDATE SET
            received = f.received + d[1], replied = f.replied + d[2],
            replied_on_time = f.replied_on_time + d[3], resolved = f.resolved + d[4],
            rated = f.rated + d[5], satisfied = f.satisfied + d[6],
            escalated = f.escalated + d[7], returned = f.returned + d[8];
    END IF;
    RETURN 1;
END $$;
