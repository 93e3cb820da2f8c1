-- 017_calendar_uncovered.sql - issue 15: a case whose deadlines fell in a
-- year deploy/calendar/china.tsv does not cover was counted Monday to
-- Friday (holidays and 调休 ignored). The router says so in CreateCase;
-- the flag is kept on the case so that `petition case`, `petition rates`
-- and the ledger's /metrics show it, never only the router's log.
--
-- A constant default: no table rewrite on a large `cases`. Flagged cases
-- are the few placed while the data lags a year behind, so a partial
-- index keeps /metrics' count from reading every case.
ALTER TABLE cases ADD COLUMN IF NOT EXISTS calendar_uncovered boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS cases_calendar_uncovered ON cases (created_at)
    WHERE calendar_uncovered;

-- The reports role reads cases column by column (016_report_hidden.sql):
-- grant it the new one.
SELECT ld_grant_report();
