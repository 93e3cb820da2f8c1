-- 013_report_role.sql - residents' names and phones are the ledger's alone
-- (issue 11, item 7).
--
-- deploy/pg.sh makes two login roles with passwords: `liandong`, the
-- ledger's (owner of everything here, it runs these migrations), and
-- `liandong_report`, read-only, for reports, audits and tests. The reports
-- role may read every table, but of `cases` only the columns that are not
-- personal: resident_name and resident_phone are left out (column
-- privileges). A column added to cases later is not granted either until a
-- migration says so: the safe default for personal data.
--
-- A database without that role (a deployment that manages its own roles)
-- gets nothing: ld_grant_report() does nothing then. pg.sh calls it again
-- on every start, so a role made after this migration ran gets its grants.
CREATE FUNCTION ld_grant_report() RETURNS void LANGUAGE plpgsql AS $$
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
    -- Tables the ledger's role makes in later migrations: readable, never
    -- writable (default privileges belong to the creating role: named, so
    -- that pg.sh calling this as the superuser sets the ledger's).
    SELECT tableowner INTO owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'cases';
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public'
                   ' GRANT SELECT ON TABLES TO liandong_report', owner);
END $$;

SELECT ld_grant_report();
