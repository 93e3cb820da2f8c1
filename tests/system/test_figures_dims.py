"""Rates by category and by channel from their roll-ups (issue 11;
deploy/schema/017_figures_dim_rollups.sql): the same figures as a recount
of the raw events.

A ledger of its own records cases of several categories and channels whose
lives exercise every rule of the roll-up note: a case's first reply and
first resolution count, a second one does not (a reopened case resolved
again, an escalated case replied by its new holder, a second
"dissatisfied" that escalates with no 'escalated' event), a late first
reply is no on-time reply, every rating, escalation and return counts, and
cases nobody located still count under their category and channel. Then:

  - RatesQuery by category and by channel (whole history, today, a range
    before today, and the live counts) equals test_figures_meaning's
    recount from case_events and cases, never from the roll-ups;
  - the roll-up rows themselves (figures_dim_daily, figures_dim_monthly)
    hold exactly the recount's per-day figures, so a query never answers
    from the events instead;
  - no note is left behind after the commits (ld_pending_dims is empty).
"""
import datetime
import json

import pytest

from liandong import pb
from test_figures import day_ms, today, FIELDS  # noqa: F401
from test_figures import pg, db  # noqa: F401  (fixtures)
from test_figures_meaning import ledger, Maker, holder, recount_dim, as_counts, rows_of  # noqa: F401
from test_ledger import REGISTRY

A = pb.CaseActionKind
DISPATCH = "JA-DISPATCH"
PERIOD = ("received", "replied", "replied_on_time", "resolved", "rated", "satisfied",
          "escalated", "returned")


@pytest.fixture(scope="module")
def lives(ledger, db):  # noqa: F811
    reg = json.load(open(REGISTRY, encoding="utf-8"))
    m = Maker(ledger, db)
    compounds = ["JA-DH-CZ-1-01", "JA-DH-CZ-2-01", "JA-PX-BL-1-01"]
    cats = ("elevator", "sanitation", "parking")
    chans = ("hotline", "wechat", "grid", "mailbox")
    for n in range(24):
        cp = compounds[n % 3]
        b = holder(reg, cp)
        office = next(x["id"] for x in reg["bodies"] if x["kind"] == "street_office"
                      and any(cp.startswith(u) for u in x.get("units", [])))
        c = m.make(b, cp, category=cats[n % 3], channel=chans[n % 4])
        k = n % 8
        if k == 1:  # reopened (重办), resolved again: one resolution counts
            m.act(c, A.ACTION_REPLY, b, text="on our way")
            m.act(c, A.ACTION_RESOLVE, b, text="fixed it")
            m.act(c, A.ACTION_RATE, f"resident:{n}", rating="dissatisfied")
            m.act(c, A.ACTION_RESOLVE, b, text="fixed it again")
            m.act(c, A.ACTION_RATE, f"resident:{n}", rating="basically_satisfied")
        elif k == 2:  # a second "dissatisfied" escalates (a rated event, no escalated one)
            m.act(c, A.ACTION_REPLY, b, text="on our way")
            m.act(c, A.ACTION_RESOLVE, b, text="fixed it")
            m.act(c, A.ACTION_RATE, f"resident:{n}", rating="dissatisfied")
            m.act(c, A.ACTION_RESOLVE, b, text="fixed it again")
            m.act(c, A.ACTION_RATE, f"resident:{n}", rating="dissatisfied")
        elif k == 3:  # escalated, replied by the office: its first reply
            m.act(c, A.ACTION_ESCALATE, b, target_body=office)
            m.act(c, A.ACTION_REPLY, office, text="on our way")
        elif k == 4:  # replied, then escalated and replied again: one reply
            m.act(c, A.ACTION_REPLY, b, text="on our way")
            m.act(c, A.ACTION_ESCALATE, b, target_body=office)
            m.act(c, A.ACTION_REPLY, office, text="we take it over")
        elif k == 5:  # a late first reply
            m.past_due(c)
            m.act(c, A.ACTION_REPLY, b, text="late")
        elif k == 6:  # returned and dispatched on
            m.act(c, A.ACTION_RETURN, b, reason="territory", text="not ours")
            m.act(c, A.ACTION_DISPATCH, DISPATCH, target_body=office)
        elif k == 7:
            m.past_due(c, reply=True, resolve=True)
    # Nobody located these; they count under their category and channel.
    for n, cp in enumerate(("", "XX-NOWHERE")):
        c = m.make(DISPATCH, cp, category="unclassified", channel="petition",
                   kind="dispatch_center")
        if n == 0:
            m.act(c, A.ACTION_REPLY, DISPATCH, text="已转交处理")
    return reg


@pytest.mark.parametrize("dim", ("category", "channel"))
def test_rates_by_dim_equal_a_recount(ledger, db, lives, dim):  # noqa: F811
    want = recount_dim(db, dim)
    assert len(want) >= 4 and all(v["received"] for v in want.values()), want
    # the lives above: six cases resolved twice each, one resolution each
    assert sum(v["resolved"] for v in want.values()) == 6
    assert as_counts(rows_of(ledger, by=dim)) == want
    d = today()
    assert as_counts(rows_of(ledger, by=dim, from_ms=day_ms(d), to_ms=day_ms(d, end=True))) \
        == recount_dim(db, dim, d, d)
    # a range of whole months and days at its ends, ending today
    first = (d.replace(day=1) - datetime.timedelta(days=40)).replace(day=3)
    assert as_counts(rows_of(ledger, by=dim, from_ms=day_ms(first), to_ms=day_ms(d, end=True))) \
        == want
    y = d - datetime.timedelta(days=1)
    got = as_counts(rows_of(ledger, by=dim, to_ms=day_ms(y, end=True)))
    assert got == recount_dim(db, dim, None, y)
    assert all(v["received"] == 0 for v in got.values())  # only live counts before today


@pytest.mark.parametrize("dim", ("category", "channel"))
def test_rollup_rows_are_the_recount(ledger, db, lives, dim):  # noqa: F811
    cur = db.cursor()
    cols = ", ".join(f"sum({f})" for f in PERIOD)
    cur.execute(f"SELECT key, {cols} FROM figures_dim_daily WHERE dim = %s AND day = %s"
                " GROUP BY key", (dim, today()))
    daily = {r[0]: dict(zip(PERIOD, r[1:])) for r in cur.fetchall()}
    cur.execute(f"SELECT key, {cols} FROM figures_dim_monthly WHERE dim = %s AND month = %s"
                " GROUP BY key", (dim, today().replace(day=1)))
    monthly = {r[0]: dict(zip(PERIOD, r[1:])) for r in cur.fetchall()}
    want = {k: {f: v[f] for f in PERIOD} for k, v in recount_dim(db, dim, today(), today()).items()
            if any(v[f] for f in PERIOD)}
    assert {k: v for k, v in daily.items() if any(v.values())} == want
    assert monthly == daily
    cur.execute("SELECT count(*) FROM ld_pending_dims")
    assert cur.fetchone()[0] == 0
