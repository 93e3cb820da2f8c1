"""Figures that mean what they say (issue 11, item 5; ROUTING.md section 8).

A ledger of its own (metrics on) records a scenario built for each rule:
a property company with 21 cases of which 4 are replied and none rated
(4/21 must print 19.0%, not 19.1%, and its satisfaction is n/a, not
0.0%); cases of several categories and channels; cases nobody could
locate (no compound, and a compound the registry does not have) held by
the dispatch centre; ratings, escalations, returns, overdue cases. Then:

  - an unknown unit or body is NOT_FOUND (ledger and CLI, exit 1);
  - a reversed date range is BAD_REQUEST with its reason;
  - RatesQuery by category and by channel agrees with a recount;
  - the CLI's tables carry names beside ids, a totals row and the live
    counts (open, overdue) apart from the period's figures;
  - /metrics has city, unlocated and per-body families, and the districts
    plus the unlocated add up to the city;
  - `petition rates`, `petition ranking` and /metrics agree with figures
    recounted here from the raw events (case_events over psycopg2), never
    from the roll-ups.
"""
import datetime
import json
import math
import os
import re
import subprocess
import time
import urllib.request

import pytest

import liandong
from liandong import pb
from test_figures import Driver, recount, day_ms, today, OPEN, FIELDS  # noqa: F401
from test_figures import pg, db  # noqa: F401  (fixtures)
from test_ledger import Ledger, REGISTRY, rid
from test_ranking import expected_ranking, period

A = pb.CaseActionKind
DISPATCH = "JA-DISPATCH"
BODY21 = ("PC-YH", "JA-DH-CZ-1-01")  # 21 cases, 4 replied, none rated
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def holder(reg, compound):
    return next(b["id"] for b in reg["bodies"]
                if b["kind"] == "property_company" and compound in b.get("units", []))


@pytest.fixture(scope="module")
def ledger(pg):  # noqa: F811
    port = liandong.free_ports(1)[0]
    led = Ledger(pg["workdir"], pg["conninfo"], name="meaning",
                 extra_args=["--metrics", f"127.0.0.1:{port}"])
    led.metrics_port = port
    try:
        led.wait_ready()
        ans = led.call(registry_import=pb.RegistryImport(
            json=open(REGISTRY, encoding="utf-8").read()))
        assert ans.WhichOneof("body") == "registry_imported", ans
    except BaseException:
        led.stop()
        raise
    yield led
    assert led.stop() == 0, led.log()


class Maker(Driver):
    """Driver.create with a chosen category, channel and body kind."""

    def make(self, body, compound, category="elevator", channel="hotline",
             kind="property_company"):
        d = pb.Demand(channel=channel, channel_id=rid("mean"), text="楼道灯坏了",
                      address="某小区3栋")
        p = pb.Placement(category=category, tier="compound" if compound else "city",
                         body_id=body, body_kind=kind, urgency=pb.URGENCY_NORMAL,
                         reply_due_hours=24, resolve_due_hours=168, compound_code=compound)
        ans = self.led.call(create_case=pb.CreateCase(demand=d, placement=p))
        assert ans.WhichOneof("body") == "case_created", ans
        return ans.case_created.case_id


@pytest.fixture(scope="module")
def scenario(ledger, db):  # noqa: F811
    reg = json.load(open(REGISTRY, encoding="utf-8"))
    m = Maker(ledger, db)
    body, compound = BODY21
    assert holder(reg, compound) == body
    for i in range(21):
        c = m.make(body, compound, category="elevator" if i % 2 else "facility_repair")
        if i < 4:
            m.act(c, A.ACTION_REPLY, body, text="已安排师傅")
    cats = ("sanitation", "neighbor_dispute", "parking")
    chans = ("wechat", "grid", "mailbox", "hotline")
    # Five more property companies (six ranked); PC-ZY and PC-SH get nothing.
    compounds = ["JA-DH-CZ-2-01", "JA-DH-HB-2-01", "JA-PX-BL-1-01", "JA-PX-LT-2-02",
                 "JA-PX-LT-1-01"]
    for n in range(20):
        cp = compounds[n % 5]
        b = holder(reg, cp)
        c = m.make(b, cp, category=cats[n % 3], channel=chans[n % 4])
        k = n % 6
        if k == 1:
            m.act(c, A.ACTION_REPLY, b, text="on our way")
            m.act(c, A.ACTION_RESOLVE, b, text="fixed it")
            m.act(c, A.ACTION_RATE, f"resident:{n}",
                  rating=("satisfied", "dissatisfied")[n % 4 == 3])
        elif k == 2:
            m.past_due(c, reply=True, resolve=True)
        elif k == 3:
            m.past_due(c)
            m.act(c, A.ACTION_REPLY, b, text="late")
        elif k == 4:
            m.act(c, A.ACTION_RETURN, b, reason="territory", text="not ours")
        elif k == 5:
            office = next(x["id"] for x in reg["bodies"] if x["kind"] == "street_office"
                          and any(cp.startswith(u) for u in x.get("units", [])))
            m.act(c, A.ACTION_ESCALATE, b, target_body=office)
            m.act(c, A.ACTION_REPLY, office, text="on our way")
    # Nobody could locate these: no compound, and a compound the registry
    # does not have. The dispatch centre holds them.
    for n, cp in enumerate(("", "", "XX-NOWHERE")):
        c = m.make(DISPATCH, cp, category="unclassified", channel="petition",
                   kind="dispatch_center")
        if n == 0:
            m.act(c, A.ACTION_REPLY, DISPATCH, text="已转交处理")
            m.act(c, A.ACTION_RESOLVE, DISPATCH, text="已办结完成")
            m.act(c, A.ACTION_RATE, "resident:u0", rating="basically_satisfied")
        if n == 2:
            m.past_due(c)
    return reg


# ------------------------------------------------------------------ helpers

def petition(ledger, *args, check=True):
    argv = [os.path.join(liandong.BIN, "petition"), "--insecure", "--ledger", ledger.ep, *args]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if check:
        assert r.returncode == 0, (argv, r.stdout, r.stderr)
    return r


def rows_of(ledger, **q):
    ans = ledger.call(rates_query=pb.RatesQuery(**q))
    assert ans.WhichOneof("body") == "rates_report", ans
    return {r.key: r for r in ans.rates_report.rows}


def recount_dim(db, dim, day_from=None, day_to=None, unit=""):  # noqa: F811
    """{category or channel: {field: n}} from case_events and cases only,
    by the rules of a unit (test_figures.recount): received when assigned
    at creation, the first reply (on time by the deadline it carried) and
    first resolution, every rating, escalation and return; open and
    overdue now."""
    cur = db.cursor()
    cur.execute(f"SELECT case_id, {dim}, compound_code, state, replied_at IS NULL,"
                " reply_due < now(), resolve_due < now() FROM cases")
    cases = {r[0]: r[1:] for r in cur.fetchall()}
    cur.execute("SELECT code, path FROM units")
    paths = dict(cur.fetchall())
    cur.execute("SELECT case_id, kind, (at AT TIME ZONE 'UTC')::date, at <= reply_due, note"
                " FROM case_events ORDER BY case_id, seq")
    figs = {}

    def bump(key, field, day=None):
        if day is not None and ((day_from and day < day_from) or (day_to and day > day_to)):
            return
        figs.setdefault(key, dict.fromkeys(FIELDS, 0))[field] += 1

    seen = set()
    for cid, kind, day, on_time, note in cur.fetchall():
        key, compound = cases[cid][0], cases[cid][1]
        if unit and unit not in (paths.get(compound) or []):
            continue
        if kind == "assigned":
            bump(key, "received", day)
        if kind in ("replied", "resolved") and (cid, kind) not in seen:
            seen.add((cid, kind))
            bump(key, kind, day)
            if kind == "replied" and on_time:
                bump(key, "replied_on_time", day)
        if kind == "rated":
            bump(key, "rated", day)
            if note != "dissatisfied":
                bump(key, "satisfied", day)
        if kind in ("escalated", "returned"):
            bump(key, kind, day)
    for cid, (key, compound, state, unreplied, reply_late, resolve_late) in cases.items():
        if unit and unit not in (paths.get(compound) or []):
            continue
        if state in OPEN:
            bump(key, "open")
            if unreplied and reply_late:
                bump(key, "overdue_reply")
            if resolve_late:
                bump(key, "overdue_resolve")
    return {k: v for k, v in figs.items() if any(v.values())}


def as_counts(rows):
    return {k: {f: getattr(r, f) for f in FIELDS} for k, r in rows.items()
            if any(getattr(r, f) for f in FIELDS)}


def scrape(ledger, want_received):
    """Samples {(name, labels): value} once the snapshot (cached up to 2 s)
    shows every case."""
    deadline = time.monotonic() + 15
    while True:
        url = f"http://127.0.0.1:{ledger.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode("utf-8")
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                m = SAMPLE.match(line)
                assert m, line
                out[(m.group(1), frozenset(LABEL.findall(m.group(3) or "")))] = \
                    float(m.group(4))
        if out.get(("liandong_city_received_total", frozenset({("city", "JA")}))) \
                == want_received:
            return out
        assert time.monotonic() < deadline, text
        time.sleep(0.5)


def fam(samples, name, label=None, **match):
    """{label value: sample value} of one family (label None: the one
    sample without labels)."""
    out = {}
    for (n, labels), v in samples.items():
        d = dict(labels)
        if n != name or any(d.get(k) != w for k, w in match.items()):
            continue
        out[d.get(label) if label else None] = v
    return out


def table_row(text, key):
    line = next(x for x in text.splitlines() if x.split() and x.split()[0] == key)
    return line


# -------------------------------------------------------------------- tests

def test_satisfaction_without_ratings_is_na(ledger, scenario):
    body = BODY21[0]
    r = rows_of(ledger, by="body")[body]
    assert r.received == 21 and r.replied == 4 and r.rated == 0
    out = json.loads(petition(ledger, "rates", "--by", "body", "--json").stdout)
    row = next(x for x in out["rows"] if x["key"] == body)
    assert row["satisfaction_rate"] is None  # unknown, not 0
    assert row["reply_rate"] == pytest.approx(round(4 / 21, 4))
    text = petition(ledger, "rates", "--by", "body").stdout
    line = table_row(text, body)
    # the satisf% column (issue 15 added reopen/paused/extend after it)
    col = text.splitlines()[1].split("|")[0].split().index("satisf%")
    satisf = line.split("|")[0].split()[col]
    assert satisf == "n/a", line


def test_rates_are_rounded_once(ledger, scenario):
    """4/21 = 19.047...%: 19.0%, where rounding 0.1905 again gave 19.1%."""
    line = table_row(petition(ledger, "rates", "--by", "body").stdout, BODY21[0])
    assert "19.0%" in line and "19.1%" not in line, line


def test_unknown_unit_or_body_is_not_found(ledger, scenario):
    for q in (dict(rates_query=pb.RatesQuery(by="street", unit="NOPE")),
              dict(rates_query=pb.RatesQuery(by="category", unit="NOPE")),
              dict(ranking_query=pb.RankingQuery(period=period(), unit="NOPE")),
              dict(overdue_query=pb.OverdueQuery(unit="NOPE")),
              dict(overdue_query=pb.OverdueQuery(body_id="NOPE"))):
        ans = ledger.call(**q)
        assert ans.WhichOneof("body") == "error", (q, ans)
        assert ans.error.code == pb.ErrorCode.ERROR_NOT_FOUND and "NOPE" in ans.error.message
    # A known unit with nothing in it is an empty answer, not an error.
    assert rows_of(ledger, by="compound", unit="JA-PX-LT-2-01") == {}
    for args in (("rates", "--unit", "NOPE"), ("ranking", "--period", period(), "--unit", "NOPE"),
                 ("overdue", "--body", "NOPE")):
        r = petition(ledger, *args, check=False)
        assert r.returncode == 1 and "NOT_FOUND" in r.stderr and "NOPE" in r.stderr, (args, r)
        assert r.stdout.strip() == ""


def test_reversed_range_is_refused(ledger, scenario):
    d = today()
    ans = ledger.call(rates_query=pb.RatesQuery(by="district", from_ms=day_ms(d),
                                                to_ms=day_ms(d - datetime.timedelta(days=1),
                                                             end=True)))
    assert ans.WhichOneof("body") == "error"
    assert ans.error.code == pb.ErrorCode.ERROR_BAD_REQUEST and "reversed" in ans.error.message
    r = petition(ledger, "rates", "--from", d.isoformat(),
                 "--to", (d - datetime.timedelta(days=3)).isoformat(), check=False)
    assert r.returncode == 1 and "reversed" in r.stderr
    # One day, from == to, is a range.
    assert rows_of(ledger, by="district", from_ms=day_ms(d), to_ms=day_ms(d, end=True))


@pytest.mark.parametrize("dim", ("category", "channel"))
def test_rates_by_category_and_channel(ledger, db, scenario, dim):  # noqa: F811
    want = recount_dim(db, dim)
    assert len(want) >= 3 and all(want[k]["received"] for k in want)
    assert as_counts(rows_of(ledger, by=dim)) == want
    d = today()
    assert as_counts(rows_of(ledger, by=dim, from_ms=day_ms(d), to_ms=day_ms(d, end=True))) \
        == recount_dim(db, dim, d, d)
    y = d - datetime.timedelta(days=1)
    got = as_counts(rows_of(ledger, by=dim, to_ms=day_ms(y, end=True)))
    assert got == recount_dim(db, dim, None, y)
    assert all(v["received"] == 0 for v in got.values())  # only live counts before today
    assert as_counts(rows_of(ledger, by=dim, unit="JA-PX")) == recount_dim(db, dim, unit="JA-PX")
    # Every case is received once under one category and one channel.
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM cases")
    assert sum(v["received"] for v in want.values()) == cur.fetchone()[0]
    out = json.loads(petition(ledger, "rates", "--by", dim, "--json").stdout)
    assert {r["key"] for r in out["rows"]} == set(want)


def test_tables_have_names_totals_and_live_counts_apart(ledger, db, scenario):  # noqa: F811
    text = petition(ledger, "rates", "--by", "district").stdout
    lines = text.splitlines()
    assert "open and overdue are live" in lines[0]
    header = lines[1]
    # live counts after the "|" (issue 15's "reopen" column, a figure of
    # the period, sits before it: compare whole column names)
    period_cols, live_cols = (h.split() for h in header.split("|"))
    assert "satisf%" in period_cols and "reopen" in period_cols
    assert live_cols[:2] == ["open", "overdue"], header
    want = recount(db, "district")
    dh = table_row(text, "JA-DH")
    assert "东湖区" in dh and "|" in dh
    total = lines[-1].split()
    assert total[0] == "total"
    assert int(total[1]) == sum(v["received"] for _, v in want.values())
    # the totals' rate comes from the summed counts
    rep = sum(v["replied"] for _, v in want.values())
    rec = sum(v["received"] for _, v in want.values())
    assert f"{100 * rep / rec:.1f}%" == total[2]
    live = lines[-1].split("|")[1].split()
    assert int(live[0]) == sum(v["open"] for _, v in want.values())
    assert int(live[1]) == sum(v["overdue_reply"] + v["overdue_resolve"]
                               for _, v in want.values())
    out = json.loads(petition(ledger, "rates", "--by", "district", "--json").stdout)
    assert out["total"]["received"] == rec and out["total"]["replied"] == rep
    body = table_row(petition(ledger, "rates", "--by", "body").stdout, DISPATCH)
    assert "江岸市12345热线派单中心" in body


def test_prometheus_districts_add_up_to_the_city(ledger, db, scenario):  # noqa: F811
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM cases")
    n_cases = cur.fetchone()[0]
    s = scrape(ledger, n_cases)
    for fig in ("received_total", "open_cases"):
        city = fam(s, f"liandong_city_{fig}", "city")["JA"]
        districts = fam(s, f"liandong_district_{fig}", "district")
        unlocated = fam(s, f"liandong_unlocated_{fig}")[None]
        assert set(districts) == {"JA-DH", "JA-PX"}
        assert sum(districts.values()) + unlocated == city, (fig, districts, unlocated, city)
    for dl in ("reply", "resolve"):
        city = fam(s, "liandong_city_overdue_cases", "city", deadline=dl)["JA"]
        dist = fam(s, "liandong_district_overdue_cases", "district", deadline=dl)
        unl = fam(s, "liandong_unlocated_overdue_cases", deadline=dl)[None]
        assert sum(dist.values()) + unl == city and city > 0, dl
    assert fam(s, "liandong_unlocated_received_total")[None] == 3
    assert fam(s, "liandong_city_received_total", "city")["JA"] == n_cases
    # The dispatch centre is a body like the others, with its kind.
    disp = fam(s, "liandong_body_received_total", "body", kind="dispatch_center")
    assert set(disp) == {DISPATCH} and disp[DISPATCH] >= 3
    # No rating: n/a (NaN), not 0.
    assert math.isnan(fam(s, "liandong_body_satisfaction_rate", "body")[BODY21[0]])
    assert fam(s, "liandong_body_reply_rate", "body")[BODY21[0]] == pytest.approx(4 / 21)


def test_cli_and_metrics_match_the_raw_events(ledger, db, scenario):  # noqa: F811
    """`petition rates`, `petition ranking` and /metrics against figures
    recounted here from case_events and cases (never the roll-ups)."""
    for by in ("district", "street", "body"):
        want = recount(db, by)
        out = json.loads(petition(ledger, "rates", "--by", by, "--json").stdout)
        got = {r["key"]: (r["name"], {f: r[f] for f in FIELDS}) for r in out["rows"]
               if any(r[f] for f in FIELDS)}
        assert got == want, by
        for r in out["rows"]:
            v = want.get(r["key"], ("", dict.fromkeys(FIELDS, 0)))[1]
            for rate, a, b in (("reply_rate", "replied", "received"),
                               ("satisfaction_rate", "satisfied", "rated")):
                assert r[rate] == (None if v[b] == 0 else pytest.approx(round(v[a] / v[b], 4)))
    out = json.loads(petition(ledger, "ranking", "--period", period(), "--json").stdout)
    want = expected_ranking(db)
    assert [(r["body_id"], r["rank"] or 0, r["grade"] or "", r["list"] or "")
            for r in out["rows"]] == \
        [(r["body_id"], r["rank"], r["grade"], r["list"]) for r in want]
    assert sum(1 for r in want if r["ranked"]) >= 5  # lists and 丙 apply
    assert any(r["list"] == "black" for r in want) and any(r["grade"] == "丙" for r in want)
    assert any(not r["ranked"] for r in want)

    cur = db.cursor()
    cur.execute("SELECT count(*) FROM cases")
    s = scrape(ledger, cur.fetchone()[0])
    # The unlocated (no registered compound), by the same rules from the
    # raw events; the city is every case: its located ones and these.
    where = recount_dim(db, "CASE WHEN compound_code IN (SELECT code FROM units)"
                        " THEN 'located' ELSE 'unlocated' END")
    unl = where["unlocated"]
    for tier, label in (("district", "district"), ("city", "city"), ("body", "body")):
        want = recount(db, tier)
        if tier == "city":
            want = {"JA": (want["JA"][0], {f: want["JA"][1][f] + unl[f] for f in FIELDS})}
        for metric, field in (("received_total", "received"), ("open_cases", "open")):
            got = fam(s, f"liandong_{tier}_{metric}", label)
            assert {k: v for k, v in got.items() if v} == \
                {k: v[field] for k, (_, v) in want.items() if v[field]}, (tier, metric)
        for metric, a, b in (("reply_rate", "replied", "received"),
                             ("resolution_rate", "resolved", "received"),
                             ("satisfaction_rate", "satisfied", "rated")):
            got = fam(s, f"liandong_{tier}_{metric}", label)
            for k, (_, v) in want.items():
                if v[b]:
                    assert got[k] == pytest.approx(v[a] / v[b]), (tier, metric, k)
                else:
                    assert math.isnan(got.get(k, float("nan"))), (tier, metric, k)
    assert fam(s, "liandong_unlocated_received_total")[None] == unl["received"] == 3
    assert fam(s, "liandong_unlocated_open_cases")[None] == unl["open"]
    for metric, a, b in (("reply_rate", "replied", "received"),
                         ("resolution_rate", "resolved", "received"),
                         ("satisfaction_rate", "satisfied", "rated")):
        assert fam(s, f"liandong_unlocated_{metric}")[None] == pytest.approx(unl[a] / unl[b])
