"""Issue 15: the router's time-limit policy is hot-reloaded, like the
registry, and a deadline in a year the calendar does not cover is loud.

The router starts with a copy of deploy/policy/default.json (ROUTING.md
section 6, natural hours). Overwriting the file with the working-day policy
applies it to the cases placed after it, while the case placed before keeps
its stored deadlines; an invalid policy is refused with its reason in the
router's log and the working-day one keeps serving. A demand whose
deadlines fall in a year deploy/calendar/china.tsv does not cover is
counted Monday to Friday, flagged in the case's explanation and logged as
an error naming the calendar file. On the old code the policy is read at
start only (the second case stays natural) and nothing is logged for the
uncovered year (the calendar warned only in its own words).
"""
import os
import shutil
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liandong  # noqa: E402

PLACED = "2025-09-30T17:50:00+08:00"
COMPOUND = "JA-DH-CZ-1-01"
POLICY_DIR = os.path.join(liandong.ROOT, "deploy", "policy")


@pytest.fixture(scope="module")
def system():
    s = liandong.System()
    s.policy_file = os.path.join(s.workdir, "policy.json")
    shutil.copy(os.path.join(POLICY_DIR, "default.json"), s.policy_file)
    s.env["LIANDONG_POLICY"] = s.policy_file
    s.env["LIANDONG_CALENDAR"] = os.path.join(liandong.ROOT, "deploy", "calendar", "china.tsv")
    s.start()
    # The real-time notifier would escalate cases placed in 2025 at once.
    s.services["notifier"].stop()
    yield s
    s.stop(check=True)
    shutil.rmtree(s.workdir, ignore_errors=True)


def submit(system, received=PLACED):
    args = liandong.submit_args("wechat", f"pr-{uuid.uuid4().hex[:10]}",
                                "3栋楼道的灯坏了快一个月了", compound=COMPOUND) + \
        ["--received-at", received]
    end = time.monotonic() + 20
    while True:
        try:
            return liandong.submit_answer(system.petition(*args))
        except liandong.CliError as e:
            if "no registry loaded yet" not in str(e) or time.monotonic() > end:
                raise
            time.sleep(0.2)


def router_log(system):
    with open(os.path.join(system.log_dir, "router.log"), encoding="utf-8",
              errors="replace") as f:
        return f.read()


def wait_log(system, text, timeout=15):
    end = time.monotonic() + timeout
    while text not in router_log(system):
        assert time.monotonic() < end, f"router log lacks {text!r}:\n{router_log(system)[-3000:]}"
        time.sleep(0.2)


def stored(system, case_id):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT ld_ms(reply_due), ld_ms(resolve_due), deadline_policy, reply_clock,"
                    " explain_json FROM cases WHERE case_id = %s", (case_id,))
        return cur.fetchone()


def write_policy(system, text):
    tmp = system.policy_file + ".new"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, system.policy_file)  # as an editor or a deployment would


def test_a_changed_policy_applies_to_new_cases_and_a_bad_one_is_refused(system):
    a = submit(system)
    assert (a["policy"], a["reply_clock"]) == ("default", "natural"), a
    before = stored(system, a["case_id"])
    with open(os.path.join(POLICY_DIR, "working-days.json"), encoding="utf-8") as f:
        working = f.read()
    write_policy(system, working)
    wait_log(system, "time-limit policy working-days loaded from")
    b = submit(system)
    assert (b["policy"], b["reply_clock"], b["resolve_clock"]) == (
        "working-days", "working_days", "working_days"), b
    reply, resolve, policy, clock, _ = stored(system, b["case_id"])
    assert (policy, clock) == ("working-days", "working_days")
    # 9 Oct and 14 Oct 17:50 +08:00 (ROUTING.md section 6's example)
    assert (reply, resolve) == (1760003400000, 1760435400000)
    # the case placed before keeps its deadlines
    assert stored(system, a["case_id"]) == before

    # An invalid policy (a normal reply later than its resolution) is refused.
    write_policy(system, working.replace('"resolve": {"working_days": 5}',
                                         '"resolve": {"working_days": 0}'))
    wait_log(system, "refused, keeping working-days")
    c = submit(system)
    assert (c["policy"], c["reply_clock"]) == ("working-days", "working_days"), c
    # Not JSON at all: refused too.
    write_policy(system, "{ this is not a policy")
    end = time.monotonic() + 15
    while router_log(system).count("refused, keeping working-days") < 2:
        assert time.monotonic() < end, router_log(system)[-3000:]
        time.sleep(0.2)
    assert submit(system)["policy"] == "working-days"
    assert system.services["router"].alive()


def test_an_uncovered_year_is_flagged_and_logged(system):
    last = None
    with open(os.path.join(liandong.ROOT, "deploy", "calendar", "china.tsv"),
              encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "years":
                last = int(cols[2])
    assert last is not None
    loaded = router_log(system).count("time-limit policy working-days loaded from")
    with open(os.path.join(POLICY_DIR, "working-days.json"), encoding="utf-8") as f:
        write_policy(system, f.read() + "\n")
    end = time.monotonic() + 15
    while router_log(system).count("time-limit policy working-days loaded from") <= loaded:
        assert time.monotonic() < end, router_log(system)[-3000:]
        time.sleep(0.2)
    d = submit(system, received=f"{last + 1}-03-02T10:00:00+08:00")
    assert d["reply_clock"] == "working_days", d
    wait_log(system, "fall in a year the calendar does not cover")
    assert "update deploy/calendar/china.tsv" in router_log(system)
    explain = stored(system, d["case_id"])[4]
    assert '"calendar_uncovered":true' in explain.replace(" ", ""), explain
