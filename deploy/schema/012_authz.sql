-- 012_authz.sql - a person behind every action, and who changed the
-- registry (issue 11; docs/roles.md).
--
-- case_events.actor is the principal that acted (a body's desk, a named
-- staff person, an operator, a service); on_behalf_of names the body (or
-- resident) it acted for when that is someone else: an operator replying
-- for a body is recorded as the operator, on behalf of the body.
ALTER TABLE case_events ADD COLUMN on_behalf_of text NOT NULL DEFAULT '';

-- One row per registry import: who, when, and what changed against the
-- version before it.
CREATE TABLE registry_imports (
    version        bigint PRIMARY KEY REFERENCES registry_versions (version),
    actor          text NOT NULL,
    at             timestamptz NOT NULL DEFAULT now(),
    units          integer NOT NULL,
    bodies         integer NOT NULL,
    units_added    integer NOT NULL,
    units_removed  integer NOT NULL,
    bodies_added   integer NOT NULL,
    bodies_removed integer NOT NULL
);

-- An import recorded with who made it and a summary of what changed
-- against the tables it replaces (compared by unit code and body id).
CREATE FUNCTION ld_import_registry_as(p_json text, p_actor text)
RETURNS TABLE (r_version bigint, r_units integer, r_bodies integer, r_units_added integer,
               r_units_removed integer, r_bodies_added integer, r_bodies_removed integer)
LANGUAGE plpgsql AS $$
DECLARE
    j jsonb := p_json::jsonb;
    v bigint;
    ua integer; ur integer; ba integer; br integer;
BEGIN
    -- The diff and the import see the same tables: no import in between.
    LOCK TABLE registry_versions IN EXCLUSIVE MODE;
    SELECT count(*) INTO ua FROM jsonb_to_recordset(j -> 'units') AS x(code text)
     WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.code = x.code);
    SELECT count(*) INTO ur FROM units u
     WHERE NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(j -> 'units') AS x(code text)
                        WHERE x.code = u.code);
    SELECT count(*) INTO ba FROM jsonb_to_recordset(j -> 'bodies') AS x(id text)
     WHERE NOT EXISTS (SELECT 1 FROM bodies b WHERE b.id = x.id);
    SELECT count(*) INTO br FROM bodies b
     WHERE NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(j -> 'bodies') AS x(id text)
                        WHERE x.id = b.id);
    v := ld_import_registry(p_json);
    INSERT INTO registry_imports (version, actor, units, bodies, units_added, units_removed,
                                  bodies_added, bodies_removed)
    VALUES (v, p_actor, jsonb_array_length(j -> 'units'), jsonb_array_length(j -> 'bodies'),
            ua, ur, ba, br);
    RETURN QUERY SELECT v, jsonb_array_length(j -> 'units'), jsonb_array_length(j -> 'bodies'),
                        ua, ur, ba, br;
END $$;
