-- pgbench_case.sql - the ceiling to beat: one case per transaction, the
-- same rows the ledger writes for a new case (a cases row, its created and
-- assigned events with gap-free seq numbers, the daily roll-ups of the body
-- and of every unit above the compound), by the statement the ledger
-- prepared as `create_case` (one case per statement) until issue 16 made
-- it one statement per batch (`create_cases` in services/ledger/req_case.c,
-- docs/write-path.md); kept as the per-case reference. Parameters
-- written as pgbench variables. bench_ledger.py passes :v_body, :v_kind,
-- :v_compound, :v_text and :v_explain with -D (the v_ keeps them from matching
-- casts: pgbench would read a variable named text in ::text), and :v_actor
-- (service:router: pgbench sees a variable in any colon, even in a literal).
\set k random(1, 2000000000)
WITH ins AS (
 INSERT INTO cases (case_id, case_no, channel, channel_id, state, category, tier, body_id,
  body_kind, cc, urgency, compound_code, text, address, resident_name, resident_phone,
  explain_json, demand_received_at, created_at, reply_due, resolve_due)
 SELECT 'LD-' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' ||
  lpad(q.n::text, greatest(6, length(q.n::text)), '0'), q.n, 'hotline', 'pgbench-' || q.n || '-' || :k,
  'assigned', 'elevator', 'compound', :v_body, :v_kind, '{}'::text[], 'normal', :v_compound, :v_text,
  '', '', '', :v_explain, NULL, now(),
  now() + make_interval(hours => 24), now() + make_interval(hours => 168)
 FROM (SELECT nextval('case_no_seq') AS n) q
 ON CONFLICT (channel, channel_id) DO NOTHING RETURNING *),
 s AS (SELECT ld_next_seq(2) AS seq FROM ins),
 ev AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,
  note, at, reply_due, resolve_due)
  SELECT s.seq - 1, i.case_id, 'created', :v_actor, '', 'received', '', '', now(),
   i.reply_due, i.resolve_due FROM ins i, s
  UNION ALL SELECT s.seq, i.case_id, 'assigned', :v_actor, 'received', 'assigned', i.body_id,
   '', now(), i.reply_due, i.resolve_due FROM ins i, s RETURNING seq)
SELECT c.case_id, (SELECT max(seq) FROM ev),
 ld_bump(c.body_id, c.compound_code, '{1,0,0,0,0,0,0,0}') FROM ins c;
