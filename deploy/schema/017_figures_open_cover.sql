-- 017_figures_open_cover.sql - the live counts of every figures query
-- (open, overdue, paused, extended: services/ledger/req_figures.c) and
-- the overdue list read every open case. Issue 15 added paused_at and
-- extensions to those counts and the console's overdue list reads urgency:
-- with columns no partial index of open cases held, the planner walks
-- 007's cases_open_deadlines and fetches each open case's heap row (23,000
-- at the bench's million cases: 20-30 ms of every RatesQuery, 60-80 ms
-- under load, the largest part of a console figures page; issue 14).
--
-- The same index, carrying what those queries read: the walk becomes an
-- index-only scan (10 ms for the 23,000 under the same load; heap rows
-- are still fetched for pages the visibility map does not know as all
-- visible yet, which autovacuum keeps). Same predicate, same name, same
-- number of index entries per case; a pause, a resume or an extension now
-- changes an indexed column (not a HOT update), as a change of state
-- already did. The notifier's paging by case_id (dl_list) reads it as
-- before.
DROP INDEX cases_open_deadlines;
CREATE INDEX cases_open_deadlines ON cases (case_id)
    INCLUDE (compound_code, body_id, reply_due, resolve_due, replied_at, category, channel,
             state, paused_at, extensions, urgency)
    WHERE state IN ('received', 'assigned', 'delivered', 'accepted', 'replied', 'returned');
