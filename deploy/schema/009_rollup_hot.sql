-- 009_rollup_hot.sql - roll-up and counter rows are rewritten by every
-- commit: keep those rewrites cheap under a sustained load.
--
-- Found with make bench: at ~1,000 cases/s, transactions went from 5 to
-- 100-230 ms within a minute. Today's 31 unit rows of figures_unit_daily
-- had been rewritten 72,000 times; the covering index of 004
-- (figures_unit_daily_unit INCLUDE the counters) made every rewrite a
-- non-HOT update, so each left a new entry in both indexes, the indexes
-- grew to 1 MB for 31 live rows, and every upsert walked the dead
-- versions of its row (7.6 ms and 144 buffers for one row).
--   * The unit index loses its INCLUDE: the counters are no longer indexed,
--     so a rewrite is a HOT update that page pruning reclaims without
--     VACUUM. Range reads fetch a few heap rows more (whole months come
--     from figures_unit_monthly, days only at a range's two ends).
--   * Roll-up tables keep free room on each page (fillfactor) so that the
--     new version of a row fits beside the old one, the condition of HOT.
--   * Autovacuum visits these tables after a fixed number of dead rows
--     instead of a fraction of their size: a year of daily rows is large,
--     yet only today's few rows churn, and 20% of a large table is a long
--     wait. (autovacuum_naptime stays at its default of 1 min: at 10 s
--     the vacuum and analyze of `cases` every 10 s under a sustained
--     load stalled commits more than the dead rows they removed, now
--     that HOT pruning reclaims the churning rows between visits.)
DROP INDEX figures_unit_daily_unit;
CREATE INDEX figures_unit_daily_unit ON figures_unit_daily (unit_code, day);

ALTER TABLE figures_unit_daily SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
                                    autovacuum_vacuum_threshold = 2000);
ALTER TABLE figures_body_daily SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
                                    autovacuum_vacuum_threshold = 2000);
ALTER TABLE figures_unit_monthly SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
                                      autovacuum_vacuum_threshold = 2000);
ALTER TABLE figures_body_monthly SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
                                      autovacuum_vacuum_threshold = 2000);
ALTER TABLE ledger_counters SET (fillfactor = 10, autovacuum_vacuum_scale_factor = 0,
                                 autovacuum_vacuum_threshold = 2000);
ALTER TABLE delivery_counters SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
                                   autovacuum_vacuum_threshold = 2000);
-- Notes live a transaction long: every row is dead a moment after COMMIT.
ALTER TABLE ld_pending_bumps SET (autovacuum_vacuum_scale_factor = 0,
                                  autovacuum_vacuum_threshold = 5000);
