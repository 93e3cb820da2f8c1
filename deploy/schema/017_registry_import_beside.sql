-- 017_registry_import_beside.sql - a registry import that intake never
-- waits on (issue 12: "imports and reloads never stall intake (load beside,
-- swap when ready)"; docs/registry.md).
--
-- The ledger now runs an import on a connection of its own, beside the
-- batches that insert cases (services/ledger/registry_import.c). Readers
-- of units, bodies and body_units (ld_bump's paths, ld_next_rung, the
-- return trigger, figures) take no row locks, and MVCC shows them the old
-- registry until the import's one transaction commits and the new one
-- after: never a mix. What is left is the import's own row locks, which a
-- concurrent statement would wait for if it locked the same rows: a
-- foreign key referencing a unit or body (a FOR KEY SHARE check on every
-- insert) waits for a DELETE of that row or an UPDATE of its key, though
-- not for an UPDATE of other columns (FOR NO KEY UPDATE).
--
-- 011's ld_registry_tables emptied the three tables and filled them again:
-- every row deleted and inserted on every import, unchanged or not (all of
-- them locked, written to the WAL and left dead for vacuum). Now the new
-- registry is staged in temporary tables and compared with the live rows
-- by key, and only the difference is written:
--   a row that stays with the same values: not touched (no lock, no write);
--   a row that stays with other values: UPDATE of its non-key columns only
--     (code, id and (body_id, unit_code) never change);
--   a new row: INSERT;
--   a row that leaves the registry: DELETE, the only lock a reference could
--     wait on (a case naming a unit or body that the import removes).
-- The version row, the tables and the registry_imports record commit
-- together or not at all (a lost connection or a server restart mid-import
-- leaves the old registry whole); one import at a time, by the lock on
-- registry_versions as before.

-- The new registry in three temporary tables (dropped at commit), as 011's
-- ld_registry_tables read it: a unit's path from its root down (empty when
-- it has no root), a body's place in the list, a body's units at their
-- first place.
CREATE FUNCTION ld_registry_stage(j jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.ld_stage_units, pg_temp.ld_stage_bodies,
        pg_temp.ld_stage_body_units;
    CREATE TEMP TABLE ld_stage_units ON COMMIT DROP AS
    WITH RECURSIVE x AS MATERIALIZED (
        SELECT r.code, r.kind, r.name, r.parent
          FROM jsonb_to_recordset(j -> 'units') AS r(code text, kind text, name text, parent text)
    ), t(code, path) AS (
        SELECT x.code, ARRAY[x.code] FROM x WHERE x.parent IS NULL
        UNION ALL
        SELECT x.code, t.path || x.code FROM x JOIN t ON x.parent = t.code
    )
    SELECT x.code, x.kind, x.name, x.parent AS parent_code,
           COALESCE(t.path, '{}'::text[]) AS path
      FROM x LEFT JOIN t ON t.code = x.code;
    CREATE TEMP TABLE ld_stage_bodies ON COMMIT DROP AS
    SELECT b.e ->> 'id' AS id, b.e ->> 'kind' AS kind, b.e ->> 'name' AS name,
           (b.n - 1)::integer AS ord
      FROM jsonb_array_elements(j -> 'bodies') WITH ORDINALITY AS b(e, n);
    -- A unit listed twice by one body counts once, at its first place.
    CREATE TEMP TABLE ld_stage_body_units ON COMMIT DROP AS
    SELECT b.e ->> 'id' AS body_id, u.code AS unit_code, (min(u.n) - 1)::integer AS ord
      FROM jsonb_array_elements(j -> 'bodies') AS b(e),
           jsonb_array_elements_text(COALESCE(b.e -> 'units', '[]'::jsonb)) WITH ORDINALITY
               AS u(code, n)
     GROUP BY b.e ->> 'id', u.code;
    -- Row counts for the planner: the comparisons below are joins of tens
    -- of thousands of rows on each side.
    ANALYZE pg_temp.ld_stage_units;
    ANALYZE pg_temp.ld_stage_bodies;
    ANALYZE pg_temp.ld_stage_body_units;
END $$;

-- Makes units, bodies and body_units equal to the staged registry, writing
-- only the difference (see the top of this file).
CREATE FUNCTION ld_registry_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM body_units bu
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.ld_stage_body_units s
                        WHERE s.body_id = bu.body_id AND s.unit_code = bu.unit_code);
    DELETE FROM bodies b
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.ld_stage_bodies s WHERE s.id = b.id);
    DELETE FROM units u
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.ld_stage_units s WHERE s.code = u.code);

    UPDATE units u SET kind = s.kind, name = s.name, parent_code = s.parent_code, path = s.path
      FROM pg_temp.ld_stage_units s
     WHERE s.code = u.code
       AND (u.kind, u.name, u.parent_code, u.path)
           IS DISTINCT FROM (s.kind, s.name, s.parent_code, s.path);
    INSERT INTO units (code, kind, name, parent_code, path)
    SELECT s.code, s.kind, s.name, s.parent_code, s.path FROM pg_temp.ld_stage_units s
     WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.code = s.code);

    UPDATE bodies b SET kind = s.kind, name = s.name, ord = s.ord
      FROM pg_temp.ld_stage_bodies s
     WHERE s.id = b.id AND (b.kind, b.name, b.ord) IS DISTINCT FROM (s.kind, s.name, s.ord);
    INSERT INTO bodies (id, kind, name, ord)
    SELECT s.id, s.kind, s.name, s.ord FROM pg_temp.ld_stage_bodies s
     WHERE NOT EXISTS (SELECT 1 FROM bodies b WHERE b.id = s.id);

    UPDATE body_units bu SET ord = s.ord
      FROM pg_temp.ld_stage_body_units s
     WHERE s.body_id = bu.body_id AND s.unit_code = bu.unit_code AND bu.ord <> s.ord;
    INSERT INTO body_units (body_id, unit_code, ord)
    SELECT s.body_id, s.unit_code, s.ord FROM pg_temp.ld_stage_body_units s
     WHERE NOT EXISTS (SELECT 1 FROM body_units bu
                        WHERE bu.body_id = s.body_id AND bu.unit_code = s.unit_code);
END $$;

-- 011's entry points, same names and results, now writing the difference.
CREATE OR REPLACE FUNCTION ld_registry_tables(j jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ld_registry_stage(j);
    PERFORM ld_registry_apply();
END $$;

CREATE OR REPLACE FUNCTION ld_import_registry(p_json text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    -- One import at a time: the tables are compared with what is there.
    LOCK TABLE registry_versions IN EXCLUSIVE MODE;
    INSERT INTO registry_versions (json) VALUES (p_json) RETURNING version INTO v;
    PERFORM ld_registry_tables(p_json::jsonb);
    RETURN v;
END $$;

-- 012's recorded import: who, and what changed against the tables it
-- replaces (compared by unit code and body id), counted from the staged
-- registry before it is applied.
CREATE OR REPLACE FUNCTION ld_import_registry_as(p_json text, p_actor text)
RETURNS TABLE (r_version bigint, r_units integer, r_bodies integer, r_units_added integer,
               r_units_removed integer, r_bodies_added integer, r_bodies_removed integer)
LANGUAGE plpgsql AS $$
DECLARE
    j jsonb := p_json::jsonb;
    v bigint;
    nu integer; nb integer;
    ua integer; ur integer; ba integer; br integer;
BEGIN
    -- The diff and the import see the same tables: no import in between.
    LOCK TABLE registry_versions IN EXCLUSIVE MODE;
    PERFORM ld_registry_stage(j);
    SELECT count(*) INTO nu FROM pg_temp.ld_stage_units;
    SELECT count(*) INTO nb FROM pg_temp.ld_stage_bodies;
    SELECT count(*) INTO ua FROM pg_temp.ld_stage_units s
     WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.code = s.code);
    SELECT count(*) INTO ur FROM units u
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.ld_stage_units s WHERE s.code = u.code);
    SELECT count(*) INTO ba FROM pg_temp.ld_stage_bodies s
     WHERE NOT EXISTS (SELECT 1 FROM bodies b WHERE b.id = s.id);
    SELECT count(*) INTO br FROM bodies b
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.ld_stage_bodies s WHERE s.id = b.id);
    INSERT INTO registry_versions (json) VALUES (p_json) RETURNING version INTO v;
    PERFORM ld_registry_apply();
    INSERT INTO registry_imports (version, actor, units, bodies, units_added, units_removed,
                                  bodies_added, bodies_removed)
    VALUES (v, p_actor, nu, nb, ua, ur, ba, br);
    RETURN QUERY SELECT v, nu, nb, ua, ur, ba, br;
END $$;
