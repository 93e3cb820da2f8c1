-- 017_figures_dim_rollups.sql - roll-ups per category and per channel
-- (issue 11), so that `petition rates --by category|channel` reads a few
-- hundred summed rows instead of every event of the range: over the whole
-- history of the bench's million cases it passed the ledger's 10 s
-- statement timeout (docs/figures.md).
--
-- What they count is exactly what 012's count from the events counted
-- (services/ledger/req_figures.c, and test_figures_meaning.py's recount),
-- per event, by the event's kind:
--   received         an 'assigned' event (a case's placement at creation)
--   replied          the case's first 'replied' event (lowest seq), when it
--                    is the reply that set cases.replied_at
--   replied_on_time  that first reply, by the reply deadline it carried
--   resolved         the case's first 'resolved' event, as for replied
--   rated/satisfied  every 'rated' event / those not 'dissatisfied'
--   escalated        every 'escalated' event
--   returned         every 'returned' event
-- These are the rules of the events, not those of ld_bump's unit vector
-- (an answer given on a body's behalf, or an escalation by a second
-- dissatisfied rating, counts differently there): the figures by category
-- and channel did not change meaning when they became roll-ups.
--
-- How they are kept: a statement-level trigger on case_events (one firing
-- per INSERT statement, whatever the number of rows: a batch of new cases
-- is one statement) notes the statement's deltas, summed per category and
-- channel, in ld_pending_dims; at COMMIT a deferred trigger adds the notes
-- of the transaction up and writes each roll-up row once, in key order, as
-- 006 does for ld_bump's notes. Same transaction as the events, so the
-- roll-ups can never disagree with the history; the case handlers'
-- statements (req_case.c, req_repeats.c) are unchanged. The counters'
-- vector is positional and in the order of ld_bump's first eight (006):
-- received, replied, replied_on_time, resolved, rated, satisfied,
-- escalated, returned. Its copies: ld_note_dims and ld_flush_dims here,
-- the backfill below, and tests/bench/gen_cases.sql's bulk load.
--
-- A day is the event's UTC day; a month its first day (a range reads the
-- whole months inside it and the days at its two ends, as the unit and body
-- roll-ups are read: req_figures.c, fig_range()).
CREATE TABLE figures_dim_daily (
    day             date NOT NULL,
    dim             text NOT NULL CHECK (dim IN ('category', 'channel')),
    key             text NOT NULL,
    received        bigint NOT NULL DEFAULT 0,
    replied         bigint NOT NULL DEFAULT 0,
    replied_on_time bigint NOT NULL DEFAULT 0,
    resolved        bigint NOT NULL DEFAULT 0,
    rated           bigint NOT NULL DEFAULT 0,
    satisfied       bigint NOT NULL DEFAULT 0,
    escalated       bigint NOT NULL DEFAULT 0,
    returned        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, dim, key)
);
CREATE TABLE figures_dim_monthly (LIKE figures_dim_daily INCLUDING ALL);
ALTER TABLE figures_dim_monthly RENAME COLUMN day TO month;
-- Today's rows are rewritten by every commit: room for HOT updates, and
-- vacuumed after a number of dead rows, not a fraction (009's reasons).
ALTER TABLE figures_dim_daily SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
                                   autovacuum_vacuum_threshold = 2000);
ALTER TABLE figures_dim_monthly SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
                                     autovacuum_vacuum_threshold = 2000);

-- Notes live a transaction long (006's ld_pending_bumps: unlogged, a crash
-- loses only notes of transactions that never committed).
CREATE UNLOGGED TABLE ld_pending_dims (
    tx       bigint NOT NULL,
    category text NOT NULL,
    channel  text NOT NULL,
    d        bigint[] NOT NULL
);
CREATE INDEX ld_pending_dims_tx ON ld_pending_dims (tx);
ALTER TABLE ld_pending_dims SET (autovacuum_vacuum_scale_factor = 0,
                                 autovacuum_vacuum_threshold = 5000);

-- The statement's new events, summed per category and channel of their
-- cases. AFTER the statement: the case rows the same statement wrote (a
-- new case, replied_at set by this reply) are visible here.
CREATE FUNCTION ld_note_dims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ld_pending_dims (tx, category, channel, d)
    SELECT txid_current(), e.category, e.channel, ARRAY[
        count(*) FILTER (WHERE e.kind = 'assigned'),
        count(*) FILTER (WHERE e.kind = 'replied' AND e.first),
        count(*) FILTER (WHERE e.kind = 'replied' AND e.first AND e.at <= e.reply_due),
        count(*) FILTER (WHERE e.kind = 'resolved' AND e.first),
        count(*) FILTER (WHERE e.kind = 'rated'),
        count(*) FILTER (WHERE e.kind = 'rated' AND e.note <> 'dissatisfied'),
        count(*) FILTER (WHERE e.kind = 'escalated'),
        count(*) FILTER (WHERE e.kind = 'returned')]::bigint[]
      FROM (SELECT c.category, c.channel, n.kind, n.at, n.reply_due, n.note,
                   -- a first answer: the one that set the case's moment,
                   -- and no answer of that kind before it
                   n.kind IN ('replied', 'resolved')
                   AND n.at = CASE n.kind WHEN 'replied' THEN c.replied_at
                                          ELSE c.resolved_at END
                   AND NOT EXISTS (SELECT 1 FROM case_events p
                                    WHERE p.case_id = n.case_id AND p.kind = n.kind
                                      AND p.seq < n.seq) AS first
              FROM ld_new_events n JOIN cases c ON c.case_id = n.case_id
             WHERE n.kind IN ('assigned', 'replied', 'resolved', 'rated', 'escalated',
                              'returned')) e
     GROUP BY e.category, e.channel;
    RETURN NULL;
END $$;

CREATE TRIGGER case_events_dims AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS ld_new_events
    FOR EACH STATEMENT EXECUTE FUNCTION ld_note_dims();

-- Applies this transaction's notes, each roll-up row once (006's scheme:
-- fired once per note at COMMIT, the first firing does the work).
CREATE FUNCTION ld_flush_dims() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_tx bigint := txid_current();
    today date := (ld_now() AT TIME ZONE 'UTC')::date;
    this_month date := date_trunc('month', (ld_now() AT TIME ZONE 'UTC')::date)::date;
BEGIN
    IF current_setting('liandong.dims_flushed', true) = v_tx::text THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('liandong.dims_flushed', v_tx::text, true);
    WITH del AS (DELETE FROM ld_pending_dims p WHERE p.tx = v_tx
                 RETURNING p.category, p.channel, p.d),
    k AS (SELECT x.dim, x.key, sum(del.d[1]) s1, sum(del.d[2]) s2, sum(del.d[3]) s3,
                 sum(del.d[4]) s4, sum(del.d[5]) s5, sum(del.d[6]) s6, sum(del.d[7]) s7,
                 sum(del.d[8]) s8
            FROM del, LATERAL (VALUES ('category', del.category),
                                      ('channel', del.channel)) AS x(dim, key)
           GROUP BY x.dim, x.key),
    dd AS (INSERT INTO figures_dim_daily AS f (day, dim, key, received, replied,
                                               replied_on_time, resolved, rated, satisfied,
                                               escalated, returned)
           SELECT today, dim, key, s1, s2, s3, s4, s5, s6, s7, s8 FROM k ORDER BY dim, key
           ON CONFLICT (day, dim, key) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned)
    INSERT INTO figures_dim_monthly AS f (month, dim, key, received, replied, replied_on_time,
                                          resolved, rated, satisfied, escalated, returned)
    SELECT this_month, dim, key, s1, s2, s3, s4, s5, s6, s7, s8 FROM k ORDER BY dim, key
    ON CONFLICT (month, dim, key) DO UPDATE SET
        received = f.received + excluded.received, replied = f.replied + excluded.replied,
        replied_on_time = f.replied_on_time + excluded.replied_on_time,
        resolved = f.resolved + excluded.resolved, rated = f.rated + excluded.rated,
        satisfied = f.satisfied + excluded.satisfied, escalated = f.escalated + excluded.escalated,
        returned = f.returned + excluded.returned;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ld_pending_dims_flush AFTER INSERT ON ld_pending_dims
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ld_flush_dims();

-- The history recorded so far, by the same rules, once.
INSERT INTO figures_dim_daily (day, dim, key, received, replied, replied_on_time, resolved,
                               rated, satisfied, escalated, returned)
WITH e AS (
    SELECT (n.at AT TIME ZONE 'UTC')::date AS day, c.category, c.channel, n.kind, n.note,
           n.at <= n.reply_due AS on_time,
           n.kind IN ('replied', 'resolved')
           AND n.at = CASE n.kind WHEN 'replied' THEN c.replied_at ELSE c.resolved_at END
           AND row_number() OVER (PARTITION BY n.case_id, n.kind ORDER BY n.seq) = 1 AS first
      FROM case_events n JOIN cases c ON c.case_id = n.case_id
     WHERE n.kind IN ('assigned', 'replied', 'resolved', 'rated', 'escalated', 'returned')
), x AS (
    SELECT e.day, d.dim, d.key, e.kind, e.note, e.on_time, e.first
      FROM e, LATERAL (VALUES ('category', e.category), ('channel', e.channel)) AS d(dim, key)
)
SELECT day, dim, key, count(*) FILTER (WHERE kind = 'assigned'),
       count(*) FILTER (WHERE kind = 'replied' AND first),
       count(*) FILTER (WHERE kind = 'replied' AND first AND on_time),
       count(*) FILTER (WHERE kind = 'resolved' AND first),
       count(*) FILTER (WHERE kind = 'rated'),
       count(*) FILTER (WHERE kind = 'rated' AND note <> 'dissatisfied'),
       count(*) FILTER (WHERE kind = 'escalated'), count(*) FILTER (WHERE kind = 'returned')
  FROM x GROUP BY day, dim, key;
INSERT INTO figures_dim_monthly
SELECT date_trunc('month', day)::date, dim, key, sum(received), sum(replied),
       sum(replied_on_time), sum(resolved), sum(rated), sum(satisfied), sum(escalated),
       sum(returned)
  FROM figures_dim_daily GROUP BY 1, 2, 3;
