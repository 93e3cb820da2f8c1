"""Ranking of property companies (`petition ranking`) and the overdue list
(`petition overdue`) on a ledger of their own.

Ten property companies added to the fixture registry receive four cases
each with outcomes chosen so that two companies tie across the 甲 cut and
two tie across the black-list cut; an eleventh receives none and is listed
as not ranked. The expected ranking is computed here from the rules
documented in services/ledger/ranking.h, on counts recounted from
case_events (test_figures.recount), and compared with the ledger's answer
and the CLI's JSON, for the whole city and inside a district.

Issue 11 changed the rules this file asserted: a tie group reaching into
the bottom fifth (or the 丙 places) is now black-listed (丙) whole, as a
group reaching into the top is red (甲) whole; before, a group took the
grade and list of its best place only, which left the black list short.
"""
import datetime
import json
import os
import subprocess

import pytest

import liandong
from liandong import pb
from test_figures import Driver, recount  # noqa: F401  (fixtures below)
from test_figures import pg, db  # noqa: F401
from test_ledger import Ledger, REGISTRY

A = pb.CaseActionKind

# company: (compound, replied, late among replied, resolved, rated, satisfied), of 4 received
OUTCOMES = {
    "PC-T01": ("JA-DH-CZ-1-01", 4, 0, 4, 4, 4),
    "PC-T02": ("JA-DH-CZ-1-02", 4, 0, 4, 4, 3),
    "PC-T03": ("JA-PX-BL-1-01", 4, 0, 4, 4, 3),   # ties T02 across the 甲 cut
    "PC-T04": ("JA-PX-BL-1-02", 4, 0, 3, 3, 3),
    "PC-T05": ("JA-DH-HB-1-01", 4, 1, 3, 3, 3),
    "PC-T06": ("JA-DH-HB-1-02", 3, 0, 3, 3, 2),
    "PC-T07": ("JA-PX-LT-1-01", 3, 1, 2, 2, 1),
    "PC-T08": ("JA-PX-LT-1-02", 2, 1, 1, 1, 0),
    "PC-T09": ("JA-DH-CZ-2-02", 2, 1, 1, 1, 0),   # ties T08 across the black cut
    "PC-T10": ("JA-PX-BL-2-02", 0, 0, 0, 0, 0),
}
IDLE = ("PC-T11", "JA-PX-LT-2-01")  # a company that receives nothing


def registry_with_companies():
    """The fixture registry with our ten companies instead of its own (a
    compound has one property company)."""
    reg = json.load(open(REGISTRY, encoding="utf-8"))
    reg["bodies"] = [b for b in reg["bodies"] if b["kind"] != "property_company"]
    for body, (compound, *_rest) in OUTCOMES.items():
        reg["bodies"].append({"id": body, "kind": "property_company", "name": f"物业{body[-2:]}",
                              "units": [compound]})
    reg["bodies"].append({"id": IDLE[0], "kind": "property_company", "name": "物业11",
                          "units": [IDLE[1]]})
    return reg


@pytest.fixture(scope="module")
def ledger(pg):  # noqa: F811
    led = Ledger(pg["workdir"], pg["conninfo"], name="ranking")
    try:
        led.wait_ready()
        ans = led.call(registry_import=pb.RegistryImport(
            json=json.dumps(registry_with_companies(), ensure_ascii=False)))
        assert ans.WhichOneof("body") == "registry_imported", ans
    except BaseException:
        led.stop()  # a failed set-up must not leave the ledger running
        raise
    yield led
    assert led.stop() == 0, led.log()


@pytest.fixture(scope="module")
def cases(ledger, db):  # noqa: F811
    drv = Driver(ledger, db)
    made = {}
    for body, (compound, replied, late, resolved, rated, satisfied) in OUTCOMES.items():
        ids = [drv.create(body, compound) for _ in range(4)]
        made[body] = ids
        for i, c in enumerate(ids):
            if i < replied:
                if i < late:
                    drv.past_due(c)
                drv.act(c, A.ACTION_REPLY, body, text="on our way")
            if i < resolved:
                drv.act(c, A.ACTION_RESOLVE, body, text="fixed and checked")
            if i < rated:
                drv.act(c, A.ACTION_RATE, f"resident:{i}",
                        rating="satisfied" if i < satisfied else "dissatisfied")
    return made


def expected_ranking(db, unit=""):  # noqa: F811
    """The documented rules (ranking.h), applied to recounted figures of
    this month: ranked companies by score, then the not ranked by id."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    first = today.replace(day=1)
    figs = recount(db, "body", first, today, unit=unit)
    cur = db.cursor()
    cur.execute("SELECT b.id, b.name FROM bodies b WHERE b.kind = 'property_company'"
                " AND (%s = '' OR b.id IN (SELECT bu.body_id FROM body_units bu"
                " JOIN units u ON u.code = bu.unit_code WHERE %s = ANY (u.path)))", (unit, unit))
    companies = dict(cur.fetchall())
    rows, idle = [], []
    for body, name in companies.items():
        f = figs.get(body, (name, None))[1]
        if f is None or f["received"] == 0:
            idle.append({"body_id": body, "name": name, "score": 0.0, "ranked": False,
                         "received": 0 if f is None else f["received"],
                         "replied": 0 if f is None else f["replied"],
                         "resolved": 0 if f is None else f["resolved"],
                         "rank": 0, "grade": "", "list": ""})
            continue

        def rate(a, b):
            return a / b if b else 0.0
        score = 100 * (0.3 * rate(f["replied"], f["received"])
                       + 0.2 * rate(f["replied_on_time"], f["received"])
                       + 0.3 * rate(f["resolved"], f["received"])
                       + 0.2 * rate(f["satisfied"], f["rated"]))
        rows.append({"body_id": body, "name": name, "score": round(score, 4), "ranked": True,
                     "received": f["received"], "replied": f["replied"],
                     "resolved": f["resolved"]})
    rows.sort(key=lambda r: (-r["score"], r["body_id"]))
    n = len(rows)
    jia, bing, fifth = (2 * n + 5) // 10, n - (7 * n + 5) // 10, n // 5
    for r in rows:
        p = 1 + sum(1 for x in rows if x["score"] > r["score"])   # strictly better
        q = 1 + sum(1 for x in rows if x["score"] < r["score"])   # strictly worse
        top, bottom = p <= jia, q <= bing
        r["rank"] = p
        r["grade"] = "乙" if top == bottom else "甲" if top else "丙"
        red, black = p <= fifth, q <= fifth
        r["list"] = "" if red == black else "red" if red else "black"
    return rows + sorted(idle, key=lambda r: r["body_id"])


def period():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")


def ledger_ranking(ledger, unit=""):
    ans = ledger.call(ranking_query=pb.RankingQuery(period=period(), unit=unit))
    assert ans.WhichOneof("body") == "ranking", ans
    assert "0.3" in ans.ranking.formula and ans.ranking.period == period()
    return [{"body_id": r.body_id, "name": r.name, "score": round(r.score, 4),
             "ranked": r.ranked, "received": r.received, "replied": r.replied,
             "resolved": r.resolved, "rank": r.rank, "grade": r.grade, "list": r.list}
            for r in ans.ranking.rows]


def test_ranking_with_ties(ledger, db, cases):  # noqa: F811
    want = expected_ranking(db)
    assert [r["body_id"] for r in want] == [f"PC-T{i:02d}" for i in range(1, 12)]
    got = ledger_ranking(ledger)
    assert got == want
    by = {r["body_id"]: r for r in got}
    # The ties the scenario was built for, settled as documented.
    assert by["PC-T02"]["rank"] == by["PC-T03"]["rank"] == 2
    assert by["PC-T02"]["grade"] == by["PC-T03"]["grade"] == "甲"
    assert by["PC-T03"]["list"] == "red" and by["PC-T04"]["list"] == ""
    assert by["PC-T04"]["rank"] == 4  # the place after the tie is skipped
    # T08 and T09 tie across the black cut: black-listed together (issue 11;
    # the old rule left them off and the black list short).
    assert by["PC-T08"]["rank"] == by["PC-T09"]["rank"] == 8
    assert by["PC-T08"]["list"] == by["PC-T09"]["list"] == "black"
    assert by["PC-T08"]["grade"] == by["PC-T09"]["grade"] == "丙"
    assert by["PC-T10"]["list"] == "black" and by["PC-T10"]["grade"] == "丙"
    assert by["PC-T10"]["rank"] == 10
    assert [r["grade"] for r in got].count("甲") == 3
    assert [r["grade"] for r in got].count("丙") == 3
    # No case, no place: listed last, not first, without grade or list.
    assert got[-1]["body_id"] == "PC-T11" and not got[-1]["ranked"]
    assert got[-1]["rank"] == 0 and got[-1]["grade"] == "" and got[-1]["list"] == ""


def test_ranking_inside_a_district(ledger, db, cases):  # noqa: F811
    want = expected_ranking(db, unit="JA-PX")
    assert 0 < len(want) < 10
    assert ledger_ranking(ledger, unit="JA-PX") == want


def test_ranking_cli(ledger, db, cases):  # noqa: F811
    argv = [os.path.join(liandong.BIN, "petition"), "--insecure", "--ledger", ledger.ep,
            "ranking", "--period", period(), "--json"]
    out = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True,
                                    timeout=30).stdout)
    want = expected_ranking(db)
    assert [(r["body_id"], r["rank"], r["grade"], r["list"]) for r in out["rows"]] == \
        [(r["body_id"], r["rank"], r["grade"], r["list"]) if r["ranked"]
         else (r["body_id"], None, None, None) for r in want]
    assert [r["ranked"] for r in out["rows"]] == [r["ranked"] for r in want]
    assert out["formula"]
    text = subprocess.run(argv[:-1], check=True, capture_output=True, text=True,
                          timeout=30).stdout
    assert "PC-T01" in text and "甲" in text and "物业01" in text
    idle = next(line for line in text.splitlines() if "PC-T11" in line)
    assert "not ranked" in idle and not idle.lstrip().startswith("1 ")
    bad = subprocess.run(argv[:-3] + ["--period", "2026-13"], capture_output=True, text=True,
                         timeout=30)
    assert bad.returncode == 1 and "YYYY-MM" in bad.stderr


def test_ranking_other_month_and_bad_period(ledger, cases):
    ans = ledger.call(ranking_query=pb.RankingQuery(period="2001-02"))
    assert ans.WhichOneof("body") == "ranking" and len(ans.ranking.rows) == 11
    assert not any(r.ranked or r.rank or r.grade or r.list for r in ans.ranking.rows)
    for p in ("", "2026-1", "2026-00", "26-11", "2026-11-01", "2026/11"):
        ans = ledger.call(ranking_query=pb.RankingQuery(period=p))
        assert ans.WhichOneof("body") == "error", p
        assert ans.error.code == pb.ErrorCode.ERROR_BAD_REQUEST


def test_overdue_list(ledger, db, cases):  # noqa: F811
    drv = Driver(ledger, db)
    cur = db.cursor()
    cur.execute("UPDATE cases SET reply_due = now() + interval '1 day',"
                " resolve_due = now() + interval '7 days'")  # nothing overdue yet
    body, compound = "PC-T01", "JA-DH-CZ-1-01"
    a, b, c, d = (drv.create(body, compound) for _ in range(4))
    drv.act(c, A.ACTION_REPLY, body, text="on our way")
    drv.act(d, A.ACTION_REPLY, body, text="on our way")
    drv.act(d, A.ACTION_RESOLVE, body, text="done")
    e = drv.create("PC-T04", "JA-PX-BL-1-02")
    # a: reply overdue 3 h; b: reply 1 h and resolve 5 h overdue (resolve is
    # older); c: replied, resolve overdue 2 h; d: resolved (not open);
    # e: reply overdue 4 h, elsewhere.
    for cid, reply_h, resolve_h in ((a, 3, -24), (b, 1, 5), (c, 10, 2), (d, 9, 9), (e, 4, -24)):
        cur.execute("UPDATE cases SET reply_due = now() - make_interval(hours => %s),"
                    " resolve_due = now() - make_interval(hours => %s) WHERE case_id = %s",
                    (reply_h, resolve_h, cid))
    ans = ledger.call(overdue_query=pb.OverdueQuery())
    got = [(x.case_id, x.deadline) for x in ans.overdue_list.cases]
    assert got == [(b, "resolve"), (e, "reply"), (a, "reply"), (c, "resolve")]
    assert ans.overdue_list.total == 4
    assert all(x.due_ms in (x.reply_due_ms, x.resolve_due_ms) for x in ans.overdue_list.cases)
    ans = ledger.call(overdue_query=pb.OverdueQuery(unit="JA-DH", limit=2))
    assert [x.case_id for x in ans.overdue_list.cases] == [b, a]
    assert ans.overdue_list.total == 3
    ans = ledger.call(overdue_query=pb.OverdueQuery(body_id="PC-T04"))
    assert [x.case_id for x in ans.overdue_list.cases] == [e]
    # The figures agree with the list.
    rows = {r.key: r for r in ledger.call(rates_query=pb.RatesQuery(by="district"))
            .rates_report.rows}
    assert rows["JA-DH"].overdue_reply == 2 and rows["JA-DH"].overdue_resolve == 2
    argv = [os.path.join(liandong.BIN, "petition"), "--insecure", "--ledger", ledger.ep,
            "overdue", "--unit", "JA-DH", "--json"]
    lines = subprocess.run(argv, check=True, capture_output=True, text=True,
                           timeout=30).stdout.splitlines()
    assert [json.loads(x)["case_id"] for x in lines] == [b, a, c]
    assert ledger.call(overdue_query=pb.OverdueQuery(unit="x" * 300)).error.code == \
        pb.ErrorCode.ERROR_BAD_REQUEST
