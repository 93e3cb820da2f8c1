-- 004_figures.sql - what keeps figures queries fast on millions of cases
-- (target: a RatesQuery on 1,000,000 cases in under 50 ms; tests/bench).
--
-- open / overdue are counted live from `cases`, but only open cases matter
-- to them: a partial index holding just those (a few per cent of all
-- cases once a city has a history) with every column the counts and the
-- overdue list read, so they are index-only scans that do not grow with
-- the closed history.
CREATE INDEX cases_open ON cases (compound_code, body_id)
    INCLUDE (reply_due, resolve_due, replied_at, case_id, category, state)
    WHERE state IN ('received', 'assigned', 'delivered', 'accepted', 'replied', 'returned');

-- Per-unit / per-body day ranges: a district or one street over a year
-- reads its own rows, not every unit's rows of that year. The unit index
-- carries the counters so a tier's query is an index-only scan (a unit's
-- days sit together in the index, while in the table each day of a unit
-- is on a page of its own); the price is that bumps are no longer HOT
-- updates, one more index entry per bumped row.
CREATE INDEX figures_unit_daily_unit ON figures_unit_daily (unit_code, day)
    INCLUDE (received, replied, replied_on_time, resolved, rated, satisfied, escalated,
             returned);
CREATE INDEX figures_body_daily_body ON figures_body_daily (body_id, day);
