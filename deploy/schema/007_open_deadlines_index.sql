-- 007_open_deadlines_index.sql - the notifier's reload (ListDeadlines,
-- services/ledger/db_alerts.c) pages through open cases in case_id order.
-- On the primary key that walk also reads every closed case between two
-- open ones, and once a city has a history most cases are closed, so a
-- reload would grow with the whole history. This partial index holds only
-- open cases (the same states as dl_list and 004's cases_open), so a page
-- is one short index range.
CREATE INDEX cases_open_deadlines ON cases (case_id)
    WHERE state IN ('received', 'assigned', 'delivered', 'accepted', 'replied', 'returned');
