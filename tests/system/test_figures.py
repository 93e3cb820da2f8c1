"""Figures (ROUTING.md section 8) at every tier, checked against values
computed here, independently, from the raw history in case_events.

A ledger of its own (no router, no notifier: nothing else may move a case)
records a mix of cases across two districts of the fixture registry: open,
replied on time and late, resolved, rated (satisfied, basically satisfied,
dissatisfied), returned and re-dispatched, escalated (also after a reply),
closed by the dispatch centre, and overdue. Then RatesQuery by body,
compound, community, street and district, over the whole history, over
today, and over ranges that hold no day of activity, must agree with the
recount: received, replied, replied on time, resolved, rated, satisfied,
open, overdue (reply and resolve), escalated, returned; and the rates the
CLI prints (reply, on-time reply, resolution, satisfaction) must be those
counts' ratios.

How the recount reads the history (docs/case-lifecycle.md, "Events and
figures"): a body receives a case with every event that hands it the case
(assigned, escalated, returned, dispatched); a unit receives a case once,
when it is created in one of its compounds. A case's first reply, first
resolution and every rating count for the body holding it and for its
compound's units; a reply is on time when it happened by the reply
deadline it carried. Escalations and returns count for the body that held
the case before. Open and overdue are the current state of each case.
"""
import datetime
import json
import os
import random
import subprocess
import tempfile
import shutil

import psycopg2
import pytest

import liandong
from liandong import pb
from test_ledger import Ledger, REGISTRY, rid

A = pb.CaseActionKind
DISPATCH = "JA-DISPATCH"
OPEN = {"received", "assigned", "delivered", "accepted", "replied", "returned"}
TIERS = ("compound", "community", "street", "district")
FIELDS = ("received", "replied", "replied_on_time", "resolved", "rated", "satisfied", "open",
          "overdue_reply", "overdue_resolve", "escalated", "returned")
DAY_MS = 86400 * 1000


@pytest.fixture(scope="module")
def pg():
    workdir = tempfile.mkdtemp(prefix="liandong-figures-")
    os.chmod(workdir, 0o755)  # pg.sh's unprivileged user must enter it
    pgdir = os.path.join(workdir, "pg")
    port = liandong.free_ports(1)[0]
    r = subprocess.run(["bash", liandong.PG_SH, "start", pgdir, str(port)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    yield {"workdir": workdir, "pgdir": pgdir, "conninfo": r.stdout.strip().splitlines()[-1]}
    subprocess.run(["bash", liandong.PG_SH, "stop", pgdir], capture_output=True, timeout=120)
    if not os.environ.get("LIANDONG_KEEP"):
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def db(pg):
    conn = psycopg2.connect(pg["conninfo"])
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def ledger(pg):
    led = Ledger(pg["workdir"], pg["conninfo"], name="figures")
    try:
        led.wait_ready()
        ans = led.call(registry_import=pb.RegistryImport(
            json=open(REGISTRY, encoding="utf-8").read()))
        assert ans.WhichOneof("body") == "registry_imported", ans
    except BaseException:
        led.stop()  # a failed set-up must not leave the ledger running
        raise
    yield led
    assert led.stop() == 0, led.log()


# ------------------------------------------------------------------ actions

def registry():
    return json.load(open(REGISTRY, encoding="utf-8"))


def holder_of(reg, compound):
    """The compound's property company, else its street office."""
    for b in reg["bodies"]:
        if b["kind"] == "property_company" and compound in b.get("units", []):
            return b["id"]
    parent = {u["code"]: u.get("parent") for u in reg["units"]}
    street = parent[parent[compound]]
    return next(b["id"] for b in reg["bodies"]
                if b["kind"] == "street_office" and street in b.get("units", []))


def street_office(reg, compound):
    parent = {u["code"]: u.get("parent") for u in reg["units"]}
    street = parent[parent[compound]]
    return next(b["id"] for b in reg["bodies"]
                if b["kind"] == "street_office" and street in b.get("units", []))


def rung_above(reg, compound, body):
    """Where `body` escalates a case of `compound` in this script: the
    street office, or the district office when the street office holds it
    (a body escalated to itself is refused, issue 11)."""
    office = street_office(reg, compound)
    if office != body:
        return office
    parent = {u["code"]: u.get("parent") for u in reg["units"]}
    district = parent[parent[parent[compound]]]
    return next(b["id"] for b in reg["bodies"]
                if b["kind"] == "district_office" and district in b.get("units", []))


class Driver:
    def __init__(self, led, db):
        self.led = led
        self.db = db

    def create(self, body, compound):
        d = pb.Demand(channel="hotline", channel_id=rid("fig"), text="电梯坏了",
                      address="某小区3栋")
        p = pb.Placement(category="elevator", tier="compound", body_id=body,
                         body_kind="property_company", urgency=pb.URGENCY_NORMAL,
                         reply_due_hours=24, resolve_due_hours=168, compound_code=compound)
        ans = self.led.call(create_case=pb.CreateCase(demand=d, placement=p))
        assert ans.WhichOneof("body") == "case_created", ans
        return ans.case_created.case_id

    def act(self, case_id, kind, actor, **kw):
        ans = self.led.call(case_action=pb.CaseAction(case_id=case_id, kind=kind, actor=actor,
                                                      **kw))
        assert ans.WhichOneof("body") == "case_action_done", (kind, actor, ans)

    def past_due(self, case_id, reply=True, resolve=False):
        cur = self.db.cursor()
        if reply:
            cur.execute("UPDATE cases SET reply_due = now() - interval '2 hours'"
                        " WHERE case_id = %s", (case_id,))
        if resolve:
            cur.execute("UPDATE cases SET resolve_due = now() - interval '1 hour'"
                        " WHERE case_id = %s", (case_id,))


def script(drv, reg, compound, n):
    """Case number n's life; which one depends on n."""
    body = holder_of(reg, compound)
    office = street_office(reg, compound)
    up = rung_above(reg, compound, body)
    c = drv.create(body, compound)
    kind = n % 14
    if kind == 0:
        return  # open, in time
    if kind == 1:
        drv.act(c, A.ACTION_REPLY, body, text="on our way")
    elif kind == 2:  # late reply
        drv.past_due(c)
        drv.act(c, A.ACTION_REPLY, body, text="sorry, late")
    elif kind in (3, 4, 5, 6):
        drv.act(c, A.ACTION_REPLY, body, text="on our way")
        drv.act(c, A.ACTION_RESOLVE, body, text="fixed")
        if kind > 3:
            rating = ("satisfied", "basically_satisfied", "dissatisfied")[kind - 4]
            drv.act(c, A.ACTION_RATE, f"resident:{n}", rating=rating)
    elif kind == 7:  # misrouted: back to the dispatch centre, then on
        drv.act(c, A.ACTION_RETURN, body, reason="territory", text="not ours")
        drv.act(c, A.ACTION_DISPATCH, DISPATCH, target_body=office)
        drv.act(c, A.ACTION_REPLY, office, text="on our way")
    elif kind == 8:  # escalated to the street office, which resolves it
        drv.act(c, A.ACTION_ESCALATE, body, target_body=up)
        drv.act(c, A.ACTION_REPLY, up, text="on our way")
        drv.act(c, A.ACTION_RESOLVE, up, text="done")
    elif kind == 9:  # overdue on both deadlines
        drv.past_due(c, reply=True, resolve=True)
    elif kind == 10:  # escalated after a reply: the second reply is no new reply
        drv.act(c, A.ACTION_REPLY, body, text="on our way")
        drv.past_due(c, reply=False, resolve=True)
        drv.act(c, A.ACTION_ESCALATE, "service:notifier", target_body=up)
        drv.act(c, A.ACTION_REPLY, up, text="street office on it")
    elif kind == 11:
        drv.act(c, A.ACTION_CLOSE, "operator:admin", text="duplicate")
    elif kind == 12:
        drv.act(c, A.ACTION_ACCEPT, body)
        drv.past_due(c)
        drv.act(c, A.ACTION_REPLY, body, text="on our way")
    elif kind == 13:
        drv.act(c, A.ACTION_DELIVERED, "service:notifier")
        drv.act(c, A.ACTION_ACCEPT, body)
        drv.act(c, A.ACTION_REPLY, body, text="on our way")
        drv.act(c, A.ACTION_RESOLVE, body, text="fixed and checked")
        drv.act(c, A.ACTION_CLOSE, "service:notifier")


@pytest.fixture(scope="module")
def history(ledger, db):
    reg = registry()
    compounds = sorted(u["code"] for u in reg["units"] if u["kind"] == "compound")
    rnd = random.Random(20261129)
    drv = Driver(ledger, db)
    for n in range(56):
        script(drv, reg, rnd.choice(compounds), n)
    return reg


# ------------------------------------------------------------------ recount

def recount(db, tier, day_from=None, day_to=None, unit=""):
    """{key: (name, {field: value})} for `tier` (body or a unit kind),
    from case_events, cases and units only (never the roll-ups)."""
    cur = db.cursor()
    cur.execute("SELECT code, kind, name, path FROM units")
    units = {code: (kind, name, path) for code, kind, name, path in cur.fetchall()}
    cur.execute("SELECT id, name FROM bodies")
    body_names = dict(cur.fetchall())
    cur.execute("SELECT case_id, compound_code, state, body_id, replied_at IS NULL,"
                " reply_due < now(), resolve_due < now() FROM cases")
    cases = {r[0]: r[1:] for r in cur.fetchall()}
    cur.execute("SELECT case_id, kind, body_id, (at AT TIME ZONE 'UTC')::date,"
                " at <= reply_due, note FROM case_events ORDER BY case_id, seq")
    events = {}
    for cid, kind, body, day, on_time, note in cur.fetchall():
        events.setdefault(cid, []).append((kind, body, day, on_time, note))

    figs = {}

    def bump(keys, field, day=None):
        if day is not None and ((day_from and day < day_from) or (day_to and day > day_to)):
            return
        for k in keys:
            figs.setdefault(k, dict.fromkeys(FIELDS, 0))[field] += 1

    for cid, evs in events.items():
        compound, state, body_now, unreplied, reply_late, resolve_late = cases[cid]
        path = units[compound][2] if compound in units else [compound]
        unit_keys = [u for u in path if units.get(u, ("",))[0] == tier]
        held = ""
        replied = resolved = False
        for kind, body, day, on_time, note in evs:
            keys = ([body] if tier == "body" else unit_keys)
            old = ([held] if tier == "body" else unit_keys)
            if kind == "assigned" and tier != "body":
                bump(unit_keys, "received", day)
            if kind in ("assigned", "escalated", "returned", "dispatched") and tier == "body":
                bump([body], "received", day)
            if kind == "replied" and not replied:
                replied = True
                bump(keys, "replied", day)
                if on_time:
                    bump(keys, "replied_on_time", day)
            if kind == "resolved" and not resolved:
                resolved = True
                bump(keys, "resolved", day)
            if kind == "rated":
                bump(keys, "rated", day)
                if note != "dissatisfied":
                    bump(keys, "satisfied", day)
            if kind == "escalated":
                bump(old, "escalated", day)
            if kind == "returned":
                bump(old, "returned", day)
            if body:
                held = body
        if state in OPEN:
            keys = [body_now] if tier == "body" else unit_keys
            bump(keys, "open")
            if unreplied and reply_late:
                bump(keys, "overdue_reply")
            if resolve_late:
                bump(keys, "overdue_resolve")
    if unit:
        if tier == "body":
            cur.execute("SELECT DISTINCT bu.body_id FROM body_units bu JOIN units u"
                        " ON u.code = bu.unit_code WHERE %s = ANY (u.path)", (unit,))
            inside = {r[0] for r in cur.fetchall()}
        else:
            inside = {c for c, (_, _, p) in units.items() if unit in p}
        figs = {k: v for k, v in figs.items() if k in inside}
    names = body_names if tier == "body" else {c: n for c, (_, n, _) in units.items()}
    return {k: (names.get(k, ""), v) for k, v in figs.items() if any(v.values())}


def answered(ledger, by, unit="", from_ms=0, to_ms=0):
    ans = ledger.call(rates_query=pb.RatesQuery(by=by, unit=unit, from_ms=from_ms, to_ms=to_ms))
    assert ans.WhichOneof("body") == "rates_report", ans
    out = {}
    for r in ans.rates_report.rows:
        v = {f: getattr(r, f) for f in FIELDS}
        if any(v.values()):
            out[r.key] = (r.name, v)
    return out


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def day_ms(d, end=False):
    t = datetime.datetime(d.year, d.month, d.day, tzinfo=datetime.timezone.utc).timestamp()
    return int(t * 1000) + (DAY_MS - 1 if end else 0)


# ------------------------------------------------------------------- tests

@pytest.mark.parametrize("by", ("body",) + TIERS)
def test_figures_whole_history(ledger, db, history, by):
    want = recount(db, by)
    assert want, "the scenario must produce figures at every tier"
    assert answered(ledger, by) == want


@pytest.mark.parametrize("by", ("body",) + TIERS)
def test_figures_today(ledger, db, history, by):
    d = today()
    want = recount(db, by, d, d)
    assert answered(ledger, by, from_ms=day_ms(d), to_ms=day_ms(d, end=True)) == want


@pytest.mark.parametrize("by", ("body", "compound"))
def test_figures_whole_months_and_days(ledger, db, history, by):
    """Ranges read from whole months (monthly roll-ups) plus days at their
    ends (daily roll-ups), in every combination, must count each event once."""
    d = today()
    month = d.replace(day=1)
    prev = (month - datetime.timedelta(days=1)).replace(day=1)
    nxt = (month + datetime.timedelta(days=32)).replace(day=1)
    for lo, hi in ((prev - datetime.timedelta(days=5), d),      # days, a month, days
                   (prev, nxt - datetime.timedelta(days=1)),      # two whole months
                   (month, d),                                    # days of this month
                   (prev + datetime.timedelta(days=3), nxt)):     # days, a month, a day
        want = recount(db, by, lo, hi)
        assert answered(ledger, by, from_ms=day_ms(lo), to_ms=day_ms(hi, end=True)) == want, \
            (lo, hi)
        assert want == recount(db, by)


@pytest.mark.parametrize("by", ("body", "street"))
def test_figures_days_without_activity(ledger, db, history, by):
    """Before and after the activity, only the live figures remain."""
    d = today()
    for lo, hi in ((d - datetime.timedelta(days=30), d - datetime.timedelta(days=1)),
                   (d + datetime.timedelta(days=1), d + datetime.timedelta(days=3))):
        want = recount(db, by, lo, hi)
        assert want and all(v["received"] == 0 and v["open"] >= 0 for _, v in want.values())
        assert answered(ledger, by, from_ms=day_ms(lo), to_ms=day_ms(hi, end=True)) == want


@pytest.mark.parametrize("by,unit", [("compound", "JA-DH"), ("community", "JA-PX-LT"),
                                     ("street", "JA-PX"), ("body", "JA-DH-CZ"),
                                     ("district", "JA-PX")])
def test_figures_inside_a_unit(ledger, db, history, by, unit):
    want = recount(db, by, unit=unit)
    assert want
    assert answered(ledger, by, unit=unit) == want


def test_figures_cover_every_kind_of_event(db, history):
    """The scenario is only a test if it exercised what it claims to."""
    want = recount(db, "district")
    total = {f: sum(v[f] for _, v in want.values()) for f in FIELDS}
    for f in FIELDS:
        assert total[f] > 0, f"no {f} in the scenario: {total}"
    assert total["replied_on_time"] < total["replied"]
    assert total["satisfied"] < total["rated"]
    assert total["overdue_reply"] < total["open"]


def test_cli_rates_are_ratios_of_the_counts(ledger, db, history):
    """`petition rates --json` for a street: counts as recounted, rates as
    their ratios (rounded to 4 places); --to YESTERDAY excludes today."""
    want = recount(db, "street")
    argv = [os.path.join(liandong.BIN, "petition"), "--insecure", "--ledger", ledger.ep,
            "rates", "--by", "street", "--json"]
    out = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True,
                                    timeout=30).stdout)
    rows = {r["key"]: r for r in liandong.rate_rows(out)}
    assert set(want) <= set(rows)

    def ratio(a, b):
        return round(a / b, 4) if b else 0.0

    for key, (name, v) in want.items():
        r = rows[key]
        assert r["name"] == name
        for f in ("received", "replied", "replied_on_time", "resolved", "rated", "satisfied",
                  "open", "overdue_reply", "overdue_resolve", "escalated", "returned"):
            assert r[f] == v[f], (key, f)
        assert r["reply_rate"] == pytest.approx(ratio(v["replied"], v["received"]))
        assert r["on_time_reply_rate"] == pytest.approx(ratio(v["replied_on_time"],
                                                              v["received"]))
        assert r["resolution_rate"] == pytest.approx(ratio(v["resolved"], v["received"]))
        assert r["satisfaction_rate"] == pytest.approx(ratio(v["satisfied"], v["rated"]))
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    out = json.loads(subprocess.run(argv + ["--to", yesterday], check=True, capture_output=True,
                                    text=True, timeout=30).stdout)
    assert all(r["received"] == 0 for r in out["rows"]), out
