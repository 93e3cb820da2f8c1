-- 015_gateway_open311.sql - what an HTTP front door (Open311, issue 13)
-- knows about a demand besides its text, kept with the case, and the look-ups
-- of a front-end's own channel (services/ledger/req_channel.c).
--
--   * case_extras: one row per case that came with any of: a position
--     (lat/lon, WGS84), a media_url, Open311 attributes (a JSON object of
--     strings), the service_code the resident chose, an e-mail address.
--     Written by CreateCase in the case's own transaction; never changed.
--   * resident_email is personal data like cases.resident_name: the
--     reports role does not read it (column privileges, as 013 does for
--     cases). ld_grant_report() grants every table again on each pg.sh
--     start, so it is redefined here to leave that column out too.
--   * cases (channel, created_at): a channel's cases by date (Open311 GET
--     requests: 90 days at most, newest first).
--   * case_events (at) of the kinds a resident is told about (replied,
--     resolved, returned, escalated, rated): the updates since a moment
--     (servicerequestupdates) without reading the whole history; partial,
--     so the busy kinds (created, assigned, delivered...) pay nothing.
CREATE TABLE case_extras (
    case_id         text PRIMARY KEY REFERENCES cases (case_id),
    has_position    boolean NOT NULL DEFAULT false,
    lat             double precision CHECK (lat BETWEEN -90 AND 90),
    lon             double precision CHECK (lon BETWEEN -180 AND 180),
    media_url       text NOT NULL DEFAULT '',
    attributes_json text NOT NULL DEFAULT '',
    service_code    text NOT NULL DEFAULT '',
    resident_email  text NOT NULL DEFAULT ''
);

CREATE INDEX cases_channel_created ON cases (channel, created_at);
CREATE INDEX case_events_updates ON case_events (at)
    WHERE kind IN ('replied', 'resolved', 'returned', 'escalated', 'rated');

CREATE OR REPLACE FUNCTION ld_grant_report() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
    owner text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liandong_report') THEN
        RETURN;
    END IF;
    EXECUTE 'GRANT USAGE ON SCHEMA public TO liandong_report';
    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO liandong_report';
    EXECUTE 'REVOKE SELECT ON cases FROM liandong_report';
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
      FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'cases'
       AND column_name NOT IN ('resident_name', 'resident_phone');
    EXECUTE format('GRANT SELECT (%s) ON cases TO liandong_report', cols);
    EXECUTE 'REVOKE SELECT ON case_extras FROM liandong_report';
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
      FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'case_extras'
       AND column_name NOT IN ('resident_email');
    EXECUTE format('GRANT SELECT (%s) ON case_extras TO liandong_report', cols);
    SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases';
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT SELECT ON TABLES TO liandong_report', owner);
END $$;

SELECT ld_grant_report();
