-- 011_one_rule.sql - domain rules the ledger's SQL holds, each written
-- once here and checked against its C twin by tests/system/test_parity.py
-- (issue 10).
--
-- 1. The escalation ladder (ROUTING.md section 7; C: lib/ladder.c). 003's
--    ld_escalate_to returned '' when the next rung was missing from the
--    registry, while the router skips a missing rung and escalates to the
--    one above: an alert could name a different target from the one the
--    router then escalated to. ld_next_rung is ladder_next() in SQL, rung
--    for rung, including the registry order the router uses when a unit has
--    two bodies of one kind (bodies.ord, body_units.ord below).
-- 2. The open case states (C: case_state_is_open in the ledger): one
--    function. The partial indexes of 004 and 007 must keep their literal
--    predicates (the planner matches a query's WHERE against them
--    textually), so the parity test compares those with this function.
-- 3. A returned case goes to the registry's dispatch centre, never to a
--    body id the registry does not have: when there is none the return is
--    refused and the case stays with its holder (trigger below; the router
--    refuses it first with a clear answer, services/router/desk.c).

-- Registry order, as the router reads registry.json: the first body listed
-- wins where a unit has several of one kind (lib/registry.c), and a body's
-- first listed unit stands in for an unknown compound.
ALTER TABLE bodies ADD COLUMN ord integer NOT NULL DEFAULT 0;
ALTER TABLE body_units ADD COLUMN ord integer NOT NULL DEFAULT 0;

-- ld_import_registry as in 001, plus the order of bodies and of each
-- body's units.
CREATE OR REPLACE FUNCTION ld_import_registry(p_json text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
    j jsonb := p_json::jsonb;
BEGIN
    -- One import at a time: imports replace whole tables.
    LOCK TABLE registry_versions IN EXCLUSIVE MODE;
    INSERT INTO registry_versions (json) VALUES (p_json) RETURNING version INTO v;
    PERFORM ld_registry_tables(j);
    RETURN v;
END $$;

CREATE FUNCTION ld_registry_tables(j jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
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
    INSERT INTO bodies (id, kind, name, ord)
    SELECT b.e ->> 'id', b.e ->> 'kind', b.e ->> 'name', (b.n - 1)::integer
      FROM jsonb_array_elements(j -> 'bodies') WITH ORDINALITY AS b(e, n);
    -- A unit listed twice by one body counts once, at its first place.
    INSERT INTO body_units (body_id, unit_code, ord)
    SELECT b.e ->> 'id', u.code, (min(u.n) - 1)::integer
      FROM jsonb_array_elements(j -> 'bodies') AS b(e),
           jsonb_array_elements_text(COALESCE(b.e -> 'units', '[]'::jsonb)) WITH ORDINALITY
               AS u(code, n)
     GROUP BY b.e ->> 'id', u.code;
END $$;

-- The registry already imported gets its order from its own version.
DO $$
BEGIN
    PERFORM ld_registry_tables(json::jsonb)
       FROM registry_versions ORDER BY version DESC LIMIT 1;
END $$;

-- The next rung above p_body for a case about p_unit (normally the case's
-- compound; '' or a code the registry lacks: the body's first listed unit
-- stands in). lib/ladder.c's ladder_next(), statement for statement:
--   first rung by the body's kind (as the registry has it): compound
--   bodies start at community_committee, the community committee at
--   street_office, district_office and dispatch_center at city_office,
--   city_office nowhere, every other kind at district_office;
--   for each rung from there up, the unit of the rung's tier on the path
--   (none: skip the rung), and the first body in registry order of the
--   rung's kind serving exactly that unit (none, or the body itself: next
--   rung).
-- '' when there is no rung above.
CREATE FUNCTION ld_next_rung(p_body text, p_unit text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    rungs constant text[] := ARRAY['community_committee', 'street_office', 'district_office',
                                   'city_office'];
    tiers constant text[] := ARRAY['community', 'street', 'district', 'city'];
    k text;
    p text[];
    first integer;
    at text;
    nxt text;
BEGIN
    SELECT b.kind INTO k FROM bodies b WHERE b.id = p_body;
    IF k IS NULL THEN
        RETURN '';
    END IF;
    first := CASE
        WHEN k IN ('property_company', 'owners_committee', 'self_management_committee',
                   'party_branch') THEN 1
        WHEN k = 'community_committee' THEN 2
        WHEN k IN ('district_office', 'dispatch_center') THEN 4
        WHEN k = 'city_office' THEN 5
        ELSE 3 END;
    SELECT u.path INTO p FROM units u WHERE u.code = p_unit;
    IF p IS NULL THEN
        SELECT u.path INTO p FROM body_units bu JOIN units u ON u.code = bu.unit_code
         WHERE bu.body_id = p_body ORDER BY bu.ord LIMIT 1;
    END IF;
    IF p IS NULL THEN
        RETURN '';
    END IF;
    FOR i IN first .. 4 LOOP
        -- The ancestor of that tier: the path holds the unit and every unit
        -- above it, so at most one unit of each tier.
        SELECT u.code INTO at FROM units u WHERE u.code = ANY (p) AND u.kind = tiers[i] LIMIT 1;
        CONTINUE WHEN at IS NULL;
        SELECT b.id INTO nxt FROM body_units bu JOIN bodies b ON b.id = bu.body_id
         WHERE bu.unit_code = at AND b.kind = rungs[i] ORDER BY b.ord LIMIT 1;
        IF nxt IS NOT NULL AND nxt <> p_body THEN
            RETURN nxt;
        END IF;
    END LOOP;
    RETURN '';
END $$;

-- 003's function, now the one rule. p_kind is the case's recorded kind;
-- the router escalates by the registry's kind of the body, and so does
-- this (they differ only when the registry changed since).
CREATE OR REPLACE FUNCTION ld_escalate_to(p_body text, p_kind text, p_compound text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT ld_next_rung(p_body, p_compound);
$$;

-- Open = not resolved and not closed (the ledger's case_state_is_open):
-- what lists, open figures and the notifier's deadlines count. The
-- partial indexes cases_open (004) and cases_open_deadlines (007) repeat
-- this list literally, as the ledger's queries that must match them do;
-- tests/system/test_parity.py holds all of them to this function and to C.
CREATE FUNCTION ld_open_states() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['received', 'assigned', 'delivered', 'accepted', 'replied', 'returned'];
$$;

CREATE FUNCTION ld_is_open(p_state text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_state = ANY (ld_open_states());
$$;

-- A return hands the case to a dispatch centre of the registry; a body id
-- the registry does not have (the ledger's fallback literal
-- 'dispatch_center' when the registry has no dispatch centre) would leave
-- the case with nobody. Refused: the transaction rolls back and the case
-- stays with its holder. The WHEN clause keeps every other update of
-- cases free of the call.
CREATE FUNCTION ld_return_needs_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM bodies b
                    WHERE b.id = NEW.body_id AND b.kind = 'dispatch_center') THEN
        RAISE EXCEPTION 'no dispatch centre in the registry to return case % to; it stays with %',
            NEW.case_id, OLD.body_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cases_return_to_dispatch BEFORE UPDATE ON cases
    FOR EACH ROW WHEN (NEW.state = 'returned' AND NEW.body_id IS DISTINCT FROM OLD.body_id)
    EXECUTE FUNCTION ld_return_needs_dispatch();
