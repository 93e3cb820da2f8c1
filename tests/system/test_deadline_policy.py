"""Issue 15: the router's time-limit policy end to end.

The router runs with deploy/policy/working-days.json (LIANDONG_POLICY) and
the calendar deploy/calendar/china.tsv; demands received at 17:50 on the day
before National Day 2025 (`petition submit --received-at`) must be stored
by the ledger with ROUTING.md section 6's working-day deadlines, exactly:
reply 2025-10-09 17:50 and resolution 2025-10-14 17:50 (+08:00). An
emergency and a utility (a body that works around the clock) keep natural
hours. The case's "created" event records the deadlines it was committed
with (the notifier may escalate such old cases at once, which gives them
fresh deadlines, so the record itself is not read).
"""
import datetime as dt
import os
import shutil
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liandong  # noqa: E402
from liandong import submit_answer  # noqa: E402

PLACED = "2025-09-30T17:50:00+08:00"
CST = dt.timezone(dt.timedelta(hours=8))


def china_days():
    """deploy/calendar/china.tsv read here, apart from lib/calendar.c."""
    days, years = {}, None
    with open(os.path.join(liandong.ROOT, "deploy", "calendar", "china.tsv"),
              encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "years":
                years = (int(cols[1]), int(cols[2]))
            elif cols[0][:1].isdigit():
                days[dt.date.fromisoformat(cols[0])] = cols[1]
    return days, years


def add_working_days(t, n):
    """ROUTING.md 6, written again: T on a rest day moves to 00:00 of the
    next working day, then n working days on, at T's time of day."""
    days, years = china_days()

    def working(d):
        assert years[0] <= d.year <= years[1], "the test needs a covered year"
        k = days.get(d)
        return k == "workday" or (k is None and d.weekday() < 5)

    t = t.astimezone(CST)
    d, tod = t.date(), t.timetz()
    if not working(d):
        while not working(d):
            d += dt.timedelta(days=1)
        tod = dt.time(0, tzinfo=CST)
    for _ in range(n):
        d += dt.timedelta(days=1)
        while not working(d):
            d += dt.timedelta(days=1)
    return dt.datetime.combine(d, tod)


def utc(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def wd_system():
    s = liandong.System()
    s.env["LIANDONG_POLICY"] = os.path.join(liandong.ROOT, "deploy", "policy",
                                            "working-days.json")
    s.env["LIANDONG_CALENDAR"] = os.path.join(liandong.ROOT, "deploy", "calendar", "china.tsv")
    s.start()
    yield s
    s.stop(check=True)
    shutil.rmtree(s.workdir, ignore_errors=True)


def created_deadlines(system, case_id):
    detail = system.petition("case", case_id)
    ev = [e for e in detail["events"] if e["kind"] == "created"]
    assert len(ev) == 1, detail
    return ev[0]["reply_due"], ev[0]["resolve_due"]


def submit(system, cid, text, **kw):
    args = liandong.submit_args("wechat", cid, text, **kw) + ["--received-at", PLACED]
    # `petition ping` (the harness's readiness check) answers before the
    # router has fetched the registry from the ledger: wait for that too.
    deadline = time.monotonic() + 20
    while True:
        try:
            return submit_answer(system.petition(*args))
        except liandong.CliError as e:
            if "no registry loaded yet" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_working_days_deadlines(wd_system):
    ans = submit(wd_system, "wd-1", "3栋楼道的灯坏了快一个月了", compound="JA-DH-CZ-1-01")
    assert ans["body_kind"] == "property_company"
    assert created_deadlines(wd_system, ans["case_id"]) == (
        "2025-10-09T09:50:00Z", "2025-10-14T09:50:00Z")
    # the case shows the policy and the clock behind its deadlines
    assert (ans["policy"], ans["reply_clock"], ans["resolve_clock"]) == (
        "working-days", "working_days", "working_days")
    case = wd_system.petition("case", ans["case_id"])
    assert (case["deadline_policy"], case["reply_clock"], case["resolve_clock"]) == (
        "working-days", "working_days", "working_days")
    text = wd_system.petition("case", ans["case_id"], json=False).stdout
    text = text.decode() if isinstance(text, bytes) else text
    assert "(working_days)" in text and "policy working-days" in text, text


def test_emergency_and_around_the_clock(wd_system):
    ans = submit(wd_system, "wd-2", "3栋电梯困人了，里面有老人，快来救人",
                 compound="JA-DH-CZ-1-01")
    assert ans["urgency"] == "emergency"
    assert created_deadlines(wd_system, ans["case_id"]) == (
        "2025-09-30T11:50:00Z", "2025-10-01T09:50:00Z")
    assert (ans["reply_clock"], ans["resolve_clock"]) == ("natural", "natural")
    ans = submit(wd_system, "wd-3", "5栋已经停水两天了，也没有任何通知。",
                 address="东湖区东乐花园5栋")
    assert ans["body_kind"] == "utility"
    assert (ans["policy"], ans["reply_clock"], ans["resolve_clock"]) == (
        "working-days", "natural", "natural")
    # 1 working day = 24 h, 5 working days = 120 h for a body that never stops
    assert created_deadlines(wd_system, ans["case_id"]) == (
        "2025-10-01T09:50:00Z", "2025-10-05T09:50:00Z")


def test_bad_received_at_refused(wd_system):
    args = liandong.submit_args("wechat", "wd-4", "灯坏了") + ["--received-at", "2025-09-30"]
    with pytest.raises(liandong.CliError):
        wd_system.petition(*args)


def test_escalation_gets_policy_deadlines(wd_system):
    """wd-1 was overdue when placed (2025): the notifier escalates it through
    the router, which gives the new holder fresh deadlines under the same
    policy, from the escalation moment."""
    ans = submit(wd_system, "wd-5", "3栋楼道的灯又坏了", compound="JA-DH-CZ-1-01")
    case_id, esc = ans["case_id"], []
    deadline = time.monotonic() + 60
    while not esc and time.monotonic() < deadline:
        esc = [e for e in wd_system.petition("case", case_id)["events"]
               if e["kind"] == "escalated"]
        time.sleep(0.5)
    assert esc, "the overdue case was not escalated"
    e = esc[0]
    at = utc(e["at"])
    if at.year > china_days()[1][1]:
        pytest.skip("today is beyond deploy/calendar/china.tsv: regenerate it")
    # the event's `at` is the ledger's second; the router's moment is within it
    for kind, n in (("reply_due", 1), ("resolve_due", 5)):
        want = add_working_days(at, n)
        got = utc(e[kind])
        assert abs((got - want).total_seconds()) <= 2, (kind, e, want)
    case = wd_system.petition("case", case_id)
    assert (case["deadline_policy"], case["reply_clock"]) == ("working-days", "working_days")
