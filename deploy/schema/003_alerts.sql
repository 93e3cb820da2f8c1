-- 003_alerts.sql - the notifier's record of deadline alerts (issue 5).
--
-- One row per alert sent, keyed (case_id, deadline, stage, due_ms): the
-- notifier asks the ledger to insert the row BEFORE it publishes the alert
-- and publishes only when the insert was the first, so a restarted or a
-- second notifier can never send the same alert twice. The table is also
-- the proof the system tests read. No resident data is stored here.
CREATE TABLE case_alerts (
    case_id     text NOT NULL REFERENCES cases (case_id),
    deadline    text NOT NULL CHECK (deadline IN ('reply', 'resolve')),
    stage       text NOT NULL CHECK (stage IN ('due_soon', 'overdue', 'escalate')),
    -- The deadline the alert is about, in ms since the epoch exactly as the
    -- ledger hands it out (ld_ms), so the key never suffers rounding.
    due_ms      bigint NOT NULL,
    body_id     text NOT NULL,
    fired_at_ms bigint NOT NULL,           -- the notifier's (possibly simulated) clock
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, deadline, stage, due_ms)
);

-- One rung up from a body (ROUTING.md section 7): compound bodies go to the
-- compound's community committee, then the street office, the district
-- office and the city office; a district department (or a street's
-- enforcement team) goes to its district office. The target is the body of
-- that kind serving a unit on the case's compound path (the body's own
-- units when the compound is unknown), the closest one first. '' when there
-- is no rung above or no such body.
CREATE FUNCTION ld_escalate_to(p_body text, p_kind text, p_compound text) RETURNS text
LANGUAGE sql STABLE AS $$
    WITH t AS (
        SELECT CASE
            WHEN p_kind IN ('property_company', 'owners_committee', 'self_management_committee',
                            'party_branch') THEN 'community_committee'
            WHEN p_kind = 'community_committee' THEN 'street_office'
            WHEN p_kind IN ('street_office', 'street_enforcement', 'housing_bureau',
                            'public_security', 'urban_management', 'education_bureau',
                            'planning_bureau', 'fire_rescue', 'environment_bureau', 'utility')
                THEN 'district_office'
            WHEN p_kind IN ('district_office', 'dispatch_center') THEN 'city_office'
            ELSE '' END AS kind),
    p AS (
        SELECT unnest(u.path) AS code FROM units u WHERE u.code = p_compound
        UNION
        SELECT unnest(u.path) FROM body_units bu JOIN units u ON u.code = bu.unit_code
         WHERE bu.body_id = p_body AND NOT EXISTS (SELECT 1 FROM units x WHERE x.code = p_compound))
    SELECT COALESCE((
        SELECT b.id FROM t, bodies b
          JOIN body_units bu ON bu.body_id = b.id
          JOIN units u ON u.code = bu.unit_code
         WHERE b.kind = t.kind AND b.id <> p_body AND bu.unit_code IN (SELECT code FROM p)
         ORDER BY cardinality(u.path) DESC, b.id LIMIT 1), '');
$$;

-- The compound's party branch(es), copied on overdue alerts (issue 5).
CREATE FUNCTION ld_party_branches(p_compound text, p_body text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(b.id ORDER BY b.id), '{}')
      FROM bodies b JOIN body_units bu ON bu.body_id = b.id
     WHERE b.kind = 'party_branch' AND bu.unit_code = p_compound AND b.id <> p_body;
$$;
