-- 001_core.sql - the ledger's core tables: cases, their append-only event
-- history, the registry of units and bodies, and the daily roll-ups that
-- the figures (ROUTING.md section 8) are read from.
--
-- Applied once by the ledger at start, inside its own transaction, under an
-- advisory lock (services/ledger/db_migrate.c). Never edit an applied
-- migration: add a new NNN_name.sql instead.

-- Global, gap-free event order. A counter row rather than a sequence: a
-- sequence leaves gaps on rollback and hands out numbers in an order that
-- differs from commit order when two ledgers write at once. Updating one row
-- serialises writers on its lock until COMMIT, so seq order = commit order
-- (the Clone pattern needs that to drop updates older than a snapshot).
CREATE TABLE ledger_counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO ledger_counters (name, value) VALUES ('event_seq', 0);

-- Case numbers (LD-YYYYMMDD-NNNNNN); gaps are harmless here.
CREATE SEQUENCE case_no_seq;

CREATE TABLE cases (
    case_id         text PRIMARY KEY,
    case_no         bigint NOT NULL UNIQUE,
    channel         text NOT NULL,
    channel_id      text NOT NULL,
    state           text NOT NULL,
    category        text NOT NULL,
    tier            text NOT NULL DEFAULT '',
    body_id         text NOT NULL,
    body_kind       text NOT NULL DEFAULT '',
    cc              text[] NOT NULL DEFAULT '{}',
    urgency         text NOT NULL,
    compound_code   text NOT NULL DEFAULT '',
    text            text NOT NULL DEFAULT '',
    address         text NOT NULL DEFAULT '',
    resident_name   text NOT NULL DEFAULT '',
    resident_phone  text NOT NULL DEFAULT '',
    explain_json    text NOT NULL DEFAULT '',
    demand_received_at timestamptz,
    created_at      timestamptz NOT NULL,
    reply_due       timestamptz NOT NULL,
    resolve_due     timestamptz NOT NULL,
    replied_at      timestamptz,
    resolved_at     timestamptz,
    reply_text      text NOT NULL DEFAULT '',
    resolution_text text NOT NULL DEFAULT '',
    rating          text NOT NULL DEFAULT '',
    escalations     integer NOT NULL DEFAULT 0,
    returns         integer NOT NULL DEFAULT 0,
    -- Submission is idempotent per channel ticket (ROUTING.md section 9).
    UNIQUE (channel, channel_id)
);
CREATE INDEX cases_body_state ON cases (body_id, state, case_no);
CREATE INDEX cases_state ON cases (state, case_no);
CREATE INDEX cases_compound ON cases (compound_code);

CREATE TABLE case_events (
    seq         bigint PRIMARY KEY,
    case_id     text NOT NULL REFERENCES cases (case_id),
    kind        text NOT NULL,
    actor       text NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    body_id     text NOT NULL,
    note        text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL,
    reply_due   timestamptz,
    resolve_due timestamptz,
    -- The client's request id: the same action sent twice records one event.
    request_id  text UNIQUE
);
CREATE INDEX case_events_case ON case_events (case_id, seq);

-- History is never changed: refuse UPDATE, DELETE and TRUNCATE whoever asks
-- (a trigger holds even for the table owner, which REVOKE would not).
CREATE FUNCTION ld_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION ld_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION ld_events_append_only();

-- Registry: every import is kept as a version; units/bodies hold the latest.
CREATE TABLE registry_versions (
    version     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    json        text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE units (
    code        text PRIMARY KEY,
    kind        text NOT NULL,
    name        text NOT NULL,
    parent_code text,
    path        text[] NOT NULL DEFAULT '{}'  -- root first, the unit itself last
);
CREATE TABLE bodies (
    id   text PRIMARY KEY,
    kind text NOT NULL,
    name text NOT NULL
);
CREATE TABLE body_units (
    body_id   text NOT NULL,
    unit_code text NOT NULL,
    PRIMARY KEY (body_id, unit_code)
);

-- Daily roll-ups, bumped in the same transaction as the events they count,
-- so a figure never disagrees with the history. `day` is the UTC day the
-- event happened on.
CREATE TABLE figures_body_daily (
    day             date NOT NULL,
    body_id         text NOT NULL,
    received        bigint NOT NULL DEFAULT 0,
    replied         bigint NOT NULL DEFAULT 0,
    replied_on_time bigint NOT NULL DEFAULT 0,
    resolved        bigint NOT NULL DEFAULT 0,
    rated           bigint NOT NULL DEFAULT 0,
    satisfied       bigint NOT NULL DEFAULT 0,
    escalated       bigint NOT NULL DEFAULT 0,
    returned        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, body_id)
);
CREATE TABLE figures_unit_daily (
    day             date NOT NULL,
    unit_code       text NOT NULL,
    received        bigint NOT NULL DEFAULT 0,
    replied         bigint NOT NULL DEFAULT 0,
    replied_on_time bigint NOT NULL DEFAULT 0,
    resolved        bigint NOT NULL DEFAULT 0,
    rated           bigint NOT NULL DEFAULT 0,
    satisfied       bigint NOT NULL DEFAULT 0,
    escalated       bigint NOT NULL DEFAULT 0,
    returned        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit_code)
);

-- Adds d (received, replied, replied_on_time, resolved, rated, satisfied,
-- escalated, returned) to a body's day and to every unit on the case's
-- compound path (the compound alone when the registry does not know it).
CREATE FUNCTION ld_bump(p_body text, p_compound text, d bigint[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
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
    END IF;
    RETURN 1;
END $$;

-- Milliseconds since the epoch for the wire (0 for NULL).
CREATE FUNCTION ld_ms(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE((extract(epoch FROM t) * 1000)::bigint, 0);
$$;

-- Takes `n` event numbers; returns the last. Locks the counter row until
-- the transaction ends (see ledger_counters).
CREATE FUNCTION ld_next_seq(n integer) RETURNS bigint LANGUAGE sql AS $$
    UPDATE ledger_counters SET value = value + n WHERE name = 'event_seq' RETURNING value;
$$;

-- Stores a registry already validated by the ledger (registry_parse) as a
-- new version and replaces units, bodies and body_units with its content.
CREATE FUNCTION ld_import_registry(p_json text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
    j jsonb := p_json::jsonb;
BEGIN
    -- One import at a time: imports replace whole tables.
    LOCK TABLE registry_versions IN EXCLUSIVE MODE;
    INSERT INTO registry_versions (json) VALUES (p_json) RETURNING version INTO v;
    DELETE FROM body_units;
    DELETE FROM bodies;
    DELETE FROM units;
    INSERT INTO units (code, kind, name, parent_code)
    SELECT x.code, x.kind, x.name, x.parent
      FROM jsonb_to_recordset(j -> 'units') AS x(code text, kind text, name text, parent text);
    WITH RECURSIVE t(code, path) AS (
        SELECT code, ARRAY[code] FROM units WHERE parent_code IS NULL
        UNION ALL
        SELECT u.code, t.path || u.code FROM units u JOIN t ON u.parent_code = t.code
    )
    UPDATE units SET path = t.path FROM t WHERE units.code = t.code;
    INSERT INTO bodies (id, kind, name)
    SELECT x.id, x.kind, x.name
      FROM jsonb_to_recordset(j -> 'bodies') AS x(id text, kind text, name text);
    INSERT INTO body_units (body_id, unit_code)
    SELECT DISTINCT b ->> 'id', u
      FROM jsonb_array_elements(j -> 'bodies') AS b,
           jsonb_array_elements_text(COALESCE(b -> 'units', '[]'::jsonb)) AS u;
    RETURN v;
END $$;
