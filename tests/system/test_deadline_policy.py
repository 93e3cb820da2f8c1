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
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liandong  # noqa: E402
from liandong import submit_answer  # noqa: E402

PLACED = "2025-09-30T17:50:00+08:00"


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
    ans = submit_answer(system.petition(*args))
    return ans


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
