-- 015_repeats_reporters.sql - one case for one problem (issue 19,
-- docs/repeats.md): the residents who reported a problem that already has
-- an open case are kept as reporters of that case, each with its own
-- channel ticket, text and contact, instead of making a case of their own.
CREATE TABLE case_reporters (
    case_id         text NOT NULL REFERENCES cases (case_id),
    channel         text NOT NULL,
    channel_id      text NOT NULL,
    text            text NOT NULL DEFAULT '',
    address         text NOT NULL DEFAULT '',
    resident_name   text NOT NULL DEFAULT '',
    resident_phone  text NOT NULL DEFAULT '',
    demand_received_at timestamptz,
    joined_at       timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL DEFAULT '',
    withdrawn_at    timestamptz,         -- the resident said it is solved
    -- A case of its own an operator linked by hand (closed "linked to"
    -- case_id); an unlink reopens it rather than making a new one.
    linked_case_id  text REFERENCES cases (case_id),
    -- A ticket is a case's or a reporter's, never both (the ledger checks
    -- cases before inserting here); a repeat of it finds the first answer.
    UNIQUE (channel, channel_id)
);
CREATE INDEX case_reporters_case ON case_reporters (case_id, joined_at);

-- The router's candidates: open cases of one compound and category, newest
-- first, within a window.
CREATE INDEX cases_repeat_idx ON cases (compound_code, category, created_at DESC);

-- Residents' names and phones stay the ledger's alone (013_report_role.sql):
-- the reports role reads reporters without them, now and on every start.
CREATE OR REPLACE FUNCTION ld_grant_report() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
    owner text;
    t text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liandong_report') THEN
        RETURN;
    END IF;
    EXECUTE 'GRANT USAGE ON SCHEMA public TO liandong_report';
    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO liandong_report';
    FOREACH t IN ARRAY ARRAY['cases', 'case_reporters'] LOOP
        EXECUTE format('REVOKE SELECT ON %I FROM liandong_report', t);
        SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = t
           AND column_name NOT IN ('resident_name', 'resident_phone');
        EXECUTE format('GRANT SELECT (%s) ON %I TO liandong_report', cols, t);
    END LOOP;
    SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases';
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT SELECT ON TABLES TO liandong_report', owner);
END $$;

SELECT ld_grant_report();
