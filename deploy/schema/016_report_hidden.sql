-- 016_report_hidden.sql - what the read-only reports role may not read,
-- as data (one place), instead of a list inside ld_grant_report() that
-- each migration redefined.
--
-- Four migrations of the 015 round (gateway, wechat, repeats) each
-- redefined ld_grant_report() with the list it knew of; applied in name
-- order the last one won and dropped the others' rules (case_reporters'
-- residents' names and phones became readable by the reports role). From
-- here a migration that adds personal data inserts rows below and calls
-- ld_grant_report(); it never redefines the function.
CREATE TABLE report_hidden (
    tbl  text NOT NULL,
    col  text NOT NULL,     -- '*': the whole table
    why  text NOT NULL,
    PRIMARY KEY (tbl, col)
);
INSERT INTO report_hidden (tbl, col, why) VALUES
    ('cases', 'resident_name', 'a resident''s name (013)'),
    ('cases', 'resident_phone', 'a resident''s phone (013)'),
    ('case_extras', 'resident_email', 'a resident''s e-mail (Open311, 015 gateway)'),
    ('case_reporters', 'resident_name', 'a reporter''s name (015 repeats)'),
    ('case_reporters', 'resident_phone', 'a reporter''s phone (015 repeats)'),
    ('wechat_bindings', '*', 'WeChat openids and their compounds (015 wechat)'),
    ('wechat_messages', '*', 'WeChat openids and their messages (015 wechat)');

CREATE OR REPLACE FUNCTION ld_grant_report() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
    owner text;
    t record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liandong_report') THEN
        RETURN;
    END IF;
    EXECUTE 'GRANT USAGE ON SCHEMA public TO liandong_report';
    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO liandong_report';
    FOR t IN SELECT h.tbl, array_agg(h.col) AS hidden FROM report_hidden h
              WHERE EXISTS (SELECT 1 FROM pg_tables p
                             WHERE p.schemaname = 'public' AND p.tablename = h.tbl)
              GROUP BY h.tbl LOOP
        EXECUTE format('REVOKE SELECT ON %I FROM liandong_report', t.tbl);
        IF '*' = ANY (t.hidden) THEN
            CONTINUE;
        END IF;
        SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = t.tbl
           AND column_name <> ALL (t.hidden);
        EXECUTE format('GRANT SELECT (%s) ON %I TO liandong_report', cols, t.tbl);
    END LOOP;
    SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases';
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT SELECT ON TABLES TO liandong_report', owner);
END $$;

SELECT ld_grant_report();
