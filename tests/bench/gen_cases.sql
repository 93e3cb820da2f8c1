-- gen_cases.sql - :n synthetic cases spread over the last :days days, for
-- the figures benchmark (bench_ledger.py). Written straight into the
-- ledger's tables, with exactly the rows the ledger itself would have
-- written: a case row, its events (created, assigned, replied, resolved,
-- rated) with gap-free seq numbers taken from ledger_counters, the
-- deliveries the assignments imply, and the
-- daily and monthly roll-ups (figures_body_* / figures_unit_* /
-- figures_dim_*) that those
-- events bump (see docs/case-lifecycle.md). Each compound's case goes to
-- its property company (else its first body).
--
-- usage: psql -v n=1000000 -v days=365 -f gen_cases.sql CONNINFO
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '256MB';
BEGIN;

CREATE TEMP TABLE g_comp ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY u.code)) - 1 AS i, u.code,
       COALESCE((SELECT bu.body_id FROM body_units bu JOIN bodies b ON b.id = bu.body_id
                  WHERE bu.unit_code = u.code AND b.kind = 'property_company'
                  ORDER BY bu.body_id LIMIT 1),
                (SELECT bu.body_id FROM body_units bu WHERE bu.unit_code = u.code
                  ORDER BY bu.body_id LIMIT 1), '') AS body
  FROM units u WHERE u.kind = 'compound';
SELECT count(*) AS ncomp FROM g_comp \gset
SELECT nextval('case_no_seq') AS case0 \gset
SELECT setval('case_no_seq', :case0 + :n);

-- One row per case with its random fate (times never in the future),
-- numbered in time order as the ledger would have numbered them.
CREATE TEMP TABLE g ON COMMIT DROP AS
WITH t AS (
  SELECT date_trunc('second', now() - random() * :days * interval '1 day') AS created_at,
         random() AS r1, random() AS r2, random() AS r3
    FROM generate_series(1, :n)
), base AS (
  SELECT row_number() OVER (ORDER BY created_at) AS k, t.* FROM t
), h AS (
  SELECT b.*, c.code, c.body, extract(epoch FROM now() - created_at) / 3600 AS age_h,
         1 + r2 * r2 * 60 AS reply_h, 1 + r2 * r2 * 60 + r3 * 200 AS resolve_h
    FROM base b JOIN g_comp c ON c.i = (hashint4(k::int) & 2147483647) % :ncomp
)
-- A few cases (0.5% unreplied, 1% unresolved) stay open for ever, as
-- forgotten ones do; the others are replied, resolved and rated in time.
SELECT k, code, body, created_at,
       'LD-' || to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' ||
         lpad((:case0 + k)::text, 8, '0') AS case_id,
       created_at + interval '24 hours' AS reply_due,
       created_at + interval '168 hours' AS resolve_due,
       CASE WHEN r1 >= 0.005 AND reply_h < age_h
            THEN created_at + reply_h * interval '1 hour' END AS replied_at,
       CASE WHEN r1 >= 0.01 AND resolve_h < age_h
            THEN created_at + resolve_h * interval '1 hour' END AS resolved_at,
       CASE WHEN r1 >= 0.2 AND resolve_h + 24 < age_h
            THEN created_at + (resolve_h + 24) * interval '1 hour' END AS rated_at,
       CASE k % 10 WHEN 9 THEN 'dissatisfied' WHEN 8 THEN 'basically_satisfied'
            ELSE 'satisfied' END AS rating
  FROM h;

INSERT INTO cases (case_id, case_no, channel, channel_id, state, category, tier, body_id,
                   body_kind, urgency, compound_code, text, address, explain_json,
                   created_at, reply_due, resolve_due, replied_at, resolved_at, rating)
SELECT case_id, :case0 + k, 'hotline', 'gen-' || (:case0 + k),
       CASE WHEN rated_at IS NOT NULL THEN 'closed' WHEN resolved_at IS NOT NULL THEN 'resolved'
            WHEN replied_at IS NOT NULL THEN 'replied' ELSE 'assigned' END,
       'elevator', 'compound', body, 'property_company', 'normal', code,
       '电梯又停了，请物业尽快维修。', '', '{}',
       created_at, reply_due, resolve_due, replied_at,
       CASE WHEN resolved_at IS NOT NULL THEN resolved_at END,
       CASE WHEN rated_at IS NOT NULL THEN rating ELSE '' END
  FROM g ORDER BY k;

-- Events, numbered in time order after whatever the ledger recorded.
-- The per-row delivery trigger (002/008) is off for this bulk load: row by
-- row it would update each body's counter row hundreds of times in one
-- transaction. The same deliveries are written set-based below. DISABLE
-- TRIGGER is transactional: a failed load leaves the trigger on.
ALTER TABLE case_events DISABLE TRIGGER case_events_deliver;
-- So is the roll-up note per category and channel (017): with one
-- statement of millions of events it would put them all on today; the
-- roll-ups are written per day below.
ALTER TABLE case_events DISABLE TRIGGER case_events_dims;
SELECT value AS seq0 FROM ledger_counters WHERE name = 'event_seq' FOR UPDATE \gset
CREATE TEMP TABLE ev ON COMMIT DROP AS
SELECT g.k, g.case_id, g.code, g.body, x.j, x.kind, x.from_state, x.to_state, x.at, g.reply_due,
       g.resolve_due, g.replied_at, g.rating
  FROM g, LATERAL (VALUES
    (0, 'created', '', 'received', g.created_at),
    (1, 'assigned', 'received', 'assigned', g.created_at),
    (2, 'replied', 'assigned', 'replied', g.replied_at),
    (3, 'resolved', 'replied', 'resolved', g.resolved_at),
    (4, 'rated', 'resolved', 'closed', g.rated_at)) AS x(j, kind, from_state, to_state, at)
 WHERE x.at IS NOT NULL;

INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id, note, at,
                         reply_due, resolve_due)
SELECT :seq0 + row_number() OVER (ORDER BY at, k, j),
       case_id, kind, CASE j WHEN 0 THEN 'service:router' WHEN 1 THEN 'service:router'
                    WHEN 4 THEN 'resident:gen' ELSE body END,
       from_state, to_state, CASE WHEN j = 0 THEN '' ELSE body END,
       CASE WHEN j = 4 THEN rating ELSE '' END, at, reply_due, resolve_due
  FROM ev ORDER BY at, k, j;
UPDATE ledger_counters SET value = (SELECT max(seq) FROM case_events) WHERE name = 'event_seq';

-- What the trigger would have written for each 'assigned' event: one
-- delivery to the case's body, numbered in that body's sequence after
-- whatever it already had. A department takes its cases within minutes:
-- all but the still-unreplied ones are acknowledged.
INSERT INTO deliveries (body_id, delivery_seq, case_id, copy, event_seq, created_at, acked_at)
SELECT e.body_id,
       COALESCE((SELECT last_seq FROM delivery_counters c WHERE c.body_id = e.body_id), 0)
         + row_number() OVER (PARTITION BY e.body_id ORDER BY e.seq),
       e.case_id, false, e.seq, e.at,
       CASE WHEN g.replied_at IS NOT NULL THEN e.at + interval '5 minutes' END
  FROM case_events e JOIN g ON g.case_id = e.case_id
 WHERE e.seq > :seq0 AND e.kind = 'assigned' AND e.body_id <> '';
INSERT INTO delivery_counters AS d (body_id, last_seq)
SELECT body_id, max(delivery_seq) FROM deliveries GROUP BY body_id
ON CONFLICT (body_id) DO UPDATE SET last_seq = excluded.last_seq;
ALTER TABLE case_events ENABLE TRIGGER case_events_deliver;
ALTER TABLE case_events ENABLE TRIGGER case_events_dims;

-- Roll-ups: the deltas every event bumps, summed per UTC day and compound
-- first (a compound has one body here), then per body and per unit on the
-- compound's path; written in day order, as days accumulate in real life.
CREATE TEMP TABLE d ON COMMIT DROP AS
SELECT (at AT TIME ZONE 'UTC')::date AS day, body, code,
       count(*) FILTER (WHERE kind = 'assigned') AS received,
       count(*) FILTER (WHERE kind = 'replied') AS replied,
       count(*) FILTER (WHERE kind = 'replied' AND at <= reply_due) AS replied_on_time,
       count(*) FILTER (WHERE kind = 'resolved') AS resolved,
       count(*) FILTER (WHERE kind = 'rated') AS rated,
       count(*) FILTER (WHERE kind = 'rated' AND rating <> 'dissatisfied') AS satisfied
  FROM ev WHERE kind <> 'created' GROUP BY 1, 2, 3;

INSERT INTO figures_body_daily AS f (day, body_id, received, replied, replied_on_time, resolved,
                                     rated, satisfied)
SELECT day, body, sum(received), sum(replied), sum(replied_on_time), sum(resolved), sum(rated),
       sum(satisfied)
  FROM d WHERE body <> '' GROUP BY day, body ORDER BY day, body
ON CONFLICT (day, body_id) DO UPDATE SET
  received = f.received + excluded.received, replied = f.replied + excluded.replied,
  replied_on_time = f.replied_on_time + excluded.replied_on_time,
  resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
  satisfied = f.satisfied + excluded.satisfied;

INSERT INTO figures_unit_daily AS f (day, unit_code, received, replied, replied_on_time, resolved,
                                     rated, satisfied)
SELECT d.day, p.unit, sum(received), sum(replied), sum(replied_on_time), sum(resolved),
       sum(rated), sum(satisfied)
  FROM d JOIN units u ON u.code = d.code, unnest(u.path) AS p(unit)
 GROUP BY d.day, p.unit ORDER BY d.day, p.unit
ON CONFLICT (day, unit_code) DO UPDATE SET
  received = f.received + excluded.received, replied = f.replied + excluded.replied,
  replied_on_time = f.replied_on_time + excluded.replied_on_time,
  resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
  satisfied = f.satisfied + excluded.satisfied;

INSERT INTO figures_body_monthly AS f (month, body_id, received, replied, replied_on_time,
                                       resolved, rated, satisfied)
SELECT date_trunc('month', day)::date, body, sum(received), sum(replied), sum(replied_on_time),
       sum(resolved), sum(rated), sum(satisfied)
  FROM d WHERE body <> '' GROUP BY 1, 2 ORDER BY 1, 2
ON CONFLICT (month, body_id) DO UPDATE SET
  received = f.received + excluded.received, replied = f.replied + excluded.replied,
  replied_on_time = f.replied_on_time + excluded.replied_on_time,
  resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
  satisfied = f.satisfied + excluded.satisfied;

INSERT INTO figures_unit_monthly AS f (month, unit_code, received, replied, replied_on_time,
                                       resolved, rated, satisfied)
SELECT date_trunc('month', d.day)::date, p.unit, sum(received), sum(replied),
       sum(replied_on_time), sum(resolved), sum(rated), sum(satisfied)
  FROM d JOIN units u ON u.code = d.code, unnest(u.path) AS p(unit)
 GROUP BY 1, 2 ORDER BY 1, 2
ON CONFLICT (month, unit_code) DO UPDATE SET
  received = f.received + excluded.received, replied = f.replied + excluded.replied,
  replied_on_time = f.replied_on_time + excluded.replied_on_time,
  resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
  satisfied = f.satisfied + excluded.satisfied;

-- Per category and per channel (017_figures_dim_rollups.sql): every
-- generated case is an 'elevator' case of channel 'hotline' (the INSERT
-- INTO cases above), and has one reply at most, so each reply is its first.
INSERT INTO figures_dim_daily AS f (day, dim, key, received, replied, replied_on_time, resolved,
                                    rated, satisfied)
SELECT d.day, x.dim, x.key, sum(received), sum(replied), sum(replied_on_time), sum(resolved),
       sum(rated), sum(satisfied)
  FROM d, (VALUES ('category', 'elevator'), ('channel', 'hotline')) AS x(dim, key)
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (day, dim, key) DO UPDATE SET
  received = f.received + excluded.received, replied = f.replied + excluded.replied,
  replied_on_time = f.replied_on_time + excluded.replied_on_time,
  resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
  satisfied = f.satisfied + excluded.satisfied;

INSERT INTO figures_dim_monthly AS f (month, dim, key, received, replied, replied_on_time,
                                      resolved, rated, satisfied)
SELECT date_trunc('month', d.day)::date, x.dim, x.key, sum(received), sum(replied),
       sum(replied_on_time), sum(resolved), sum(rated), sum(satisfied)
  FROM d, (VALUES ('category', 'elevator'), ('channel', 'hotline')) AS x(dim, key)
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (month, dim, key) DO UPDATE SET
  received = f.received + excluded.received, replied = f.replied + excluded.replied,
  replied_on_time = f.replied_on_time + excluded.replied_on_time,
  resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
  satisfied = f.satisfied + excluded.satisfied;

COMMIT;
VACUUM ANALYZE cases;
VACUUM ANALYZE case_events;
VACUUM ANALYZE figures_body_daily;
VACUUM ANALYZE figures_unit_daily;
VACUUM ANALYZE figures_body_monthly;
VACUUM ANALYZE figures_unit_monthly;
VACUUM ANALYZE figures_dim_daily;
VACUUM ANALYZE figures_dim_monthly;
VACUUM ANALYZE units;
VACUUM ANALYZE deliveries;
