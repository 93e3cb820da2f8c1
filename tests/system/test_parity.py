"""Rules that C and SQL must both hold, compared on the real components
(issue 10, "every domain rule written once, or checked against its twin").

- The escalation ladder: the router's lib/ladder.c (printed by
  build/parity/ladder_print) against the ledger's SQL ld_next_rung /
  ld_escalate_to (deploy/schema/011_one_rule.sql), for every body of every
  test registry and every unit (plus an unknown compound), each registry
  imported through the ledger as an operator would.
- The open case states: the ledger's C predicate (printed by
  build/parity/open_states) against ld_open_states(), ld_is_open(), the
  partial indexes' predicates as PostgreSQL reports them, any CHECK
  constraint on cases that names states, and every literal "state IN (...)"
  list of open states in the C sources (the ledger's queries repeat the
  index predicates so the planner can use them).

A change to either side alone fails here.
"""
import glob
import os
import re
import subprocess

import pytest

import liandong

PARITY = os.path.join(liandong.BUILD, "parity")
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_REGISTRY = os.path.join(liandong.ROOT, "..", "shared", "fixtures", "routing",
                                "registry.json")
REGISTRIES = ([liandong.REGISTRY] + sorted(glob.glob(os.path.join(TESTS, "router", "registry_*.json")))
              + ([FIXTURE_REGISTRY] if os.path.exists(FIXTURE_REGISTRY) else []))
UNKNOWN_UNIT = "NO-SUCH-UNIT"


def run_c(name, *args):
    exe = os.path.join(PARITY, name)
    assert os.access(exe, os.X_OK), f"{exe} missing: run `make` (LIANDONG_BUILD)"
    r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{name} {args}: {r.stderr}"
    return r.stdout


def c_ladder(path):
    """{(body, unit): next} as the router computes it; unit '' = unknown."""
    out = {}
    for line in run_c("ladder_print", path).splitlines():
        body, unit, nxt = line.split("\t")
        out[(body, unit)] = nxt
    return out


def sql_ladder(conn, with_kind):
    """{(body, unit): next} from the database's registry, through
    ld_next_rung or through 003's entry point ld_escalate_to."""
    fn = "ld_escalate_to(b.id, b.kind, u.code)" if with_kind else "ld_next_rung(b.id, u.code)"
    with conn.cursor() as cur:
        cur.execute(f"SELECT b.id, u.code, {fn} FROM bodies b,"
                    " (SELECT code FROM units UNION ALL SELECT '' UNION ALL SELECT %s) u",
                    (UNKNOWN_UNIT,))
        return {(b, u): n for b, u, n in cur.fetchall()}


@pytest.fixture(scope="module")
def conn(system):
    c = system.db()
    c.autocommit = True
    yield c
    c.close()


@pytest.mark.parametrize("registry", REGISTRIES, ids=os.path.basename)
def test_ladder_same_in_router_and_ledger(system, conn, registry):
    system.petition("registry", "import", registry, json=False)
    want = c_ladder(registry)
    bodies = {b for b, _ in want}
    assert len(bodies) > 10 and len(want) > len(bodies) * 10, "too little to compare"
    # An unknown compound is the same as none: the body's own unit stands in.
    for b in bodies:
        want[(b, UNKNOWN_UNIT)] = want[(b, "")]
    # Proof that the ladder skips rungs somewhere in these registries is in
    # test_ladder_skips_missing_rungs; here every pair must agree.
    for with_kind in (False, True):
        got = sql_ladder(conn, with_kind)
        assert set(got) == set(want), "the ledger's registry differs from the file's"
        diff = sorted((k, want[k], got[k]) for k in want if want[k] != got[k])
        assert not diff, (f"{os.path.basename(registry)}: {len(diff)} of {len(want)} "
                          f"(body, unit) pairs escalate differently (C, SQL): {diff[:10]}")


def test_ladder_skips_missing_rungs(system, conn, tmp_path):
    """The bug of issue 10: a compound whose community has no community
    committee. C and SQL both skip to the street office (003's SQL said '')."""
    import json
    reg = json.load(open(liandong.REGISTRY, encoding="utf-8"))
    rc = [b for b in reg["bodies"] if b["kind"] == "community_committee"]
    assert rc, "the sample registry has community committees"
    dropped = rc[0]
    reg["bodies"] = [b for b in reg["bodies"] if b["id"] != dropped["id"]]
    path = tmp_path / "no_committee.json"
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    system.petition("registry", "import", str(path), json=False)
    want = c_ladder(str(path))
    community = dropped["units"][0]
    compounds = [u["code"] for u in reg["units"] if u.get("parent") == community]
    pcs = [b["id"] for b in reg["bodies"]
           if b["kind"] == "property_company" and set(b["units"]) & set(compounds)]
    assert pcs, "a property company under the committee's community"
    got = sql_ladder(conn, True)
    for pc in pcs:
        for u in compounds:
            if (pc, u) in want and want[(pc, u)]:
                kind = {b["id"]: b["kind"] for b in reg["bodies"]}[want[(pc, u)]]
                assert kind == "street_office", (pc, u, want[(pc, u)])
                assert got[(pc, u)] == want[(pc, u)], (pc, u, got[(pc, u)])
    system.petition("registry", "import", liandong.REGISTRY, json=False)


def c_states():
    states = {}
    for line in run_c("open_states").splitlines():
        name, flag = line.split()
        states[name] = flag == "open"
    return states


def state_list(text):
    """The states of "state IN ('a','b')" or of PostgreSQL's rendering
    "state = ANY (ARRAY['a'::text, 'b'::text])"."""
    return set(re.findall(r"'([a-z_]+)'", text))


def test_open_states_same_in_c_and_sql(system, conn):
    states = c_states()
    open_c = {s for s, o in states.items() if o}
    assert len(states) >= 8 and 0 < len(open_c) < len(states), states
    with conn.cursor() as cur:
        cur.execute("SELECT ld_open_states()")
        assert set(cur.fetchone()[0]) == open_c, "ld_open_states() differs from C"
        for s, is_open in states.items():
            cur.execute("SELECT ld_is_open(%s)", (s,))
            assert cur.fetchone()[0] == is_open, f"ld_is_open({s!r}) differs from C"
        # Every partial index on cases whose predicate names states.
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases'"
                    " AND indexdef LIKE '%WHERE%state%'")
        indexes = dict(cur.fetchall())
        assert {"cases_open", "cases_open_deadlines"} <= set(indexes), indexes
        for name, d in indexes.items():
            where = d.split(" WHERE ", 1)[1]
            assert state_list(where) == open_c, f"index {name}: {where} vs C {sorted(open_c)}"
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = 'cases'::regclass AND contype = 'c'")
        for name, d in cur.fetchall():
            named = state_list(d) & set(states)
            if "state" in d and named and named != set(states):
                assert named == open_c, f"CHECK {name}: {d} vs C {sorted(open_c)}"


def test_open_state_literals_in_c_match(system):
    """Every literal list of state names in a C source's SQL must be C's open
    states (the ledger's own come from CASE_OPEN_STATES_SQL)."""
    states = c_states()
    open_c = {s for s, o in states.items() if o}
    files = [os.path.relpath(f, liandong.ROOT)
             for top in ("lib", "services", "tools")
             for f in glob.glob(os.path.join(liandong.ROOT, top, "**", "*.[ch]"), recursive=True)]
    assert files, "no C sources found"
    lists = []
    for f in files:
        text = open(os.path.join(liandong.ROOT, f), encoding="utf-8").read()
        # C string literals split over lines: join adjacent literals first.
        joined = re.sub(r'"\s*\\?\n\s*"', "", text)
        for m in re.finditer(r"\(\s*'[a-z_]+'(?:\s*,\s*'[a-z_]+')+\s*\)", joined):
            named = state_list(m.group(0))
            if named <= set(states) and len(named) > 2:
                lists.append((f, m.group(0), named))
    # The ledger builds its lists from lib/case_model.h (CASE_OPEN_STATES_SQL,
    # checked by tests/unit/test_case_model.c); a literal list that creeps
    # back in must still be the open states.
    for f, text, named in lists:
        assert named == open_c, f"{f}: {text} vs C {sorted(open_c)}"
