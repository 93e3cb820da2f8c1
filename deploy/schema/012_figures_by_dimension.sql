-- 012_figures_by_dimension.sql - RatesQuery by category and by channel
-- (issue 11) counts the events of a range (services/ledger/req_figures.c,
-- RATES_DIM_SQL): no roll-up is kept per category or channel, so that the
-- commit path of every case stays as it is.
--
-- BRIN, not B-tree: case_events is append-only and `at` grows with `seq`,
-- so a block range summary finds a range's events; it is a few pages for
-- millions of events and costs an insert next to nothing (a B-tree would
-- add an index entry to every event of the hot path).
CREATE INDEX case_events_at ON case_events USING brin (at);
