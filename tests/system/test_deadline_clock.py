"""Issue 15: the notifier counts a working-day deadline in working time.

The router runs deploy/policy/working-days.json with deploy/calendar/china.tsv
and so does the notifier (LIANDONG_POLICY / LIANDONG_CALENDAR, one
implementation: lib/policy.h). Cases are placed at 17:50 on 30 Sep 2025, the
eve of National Day (`--received-at`): reply 1 working day (9 Oct 17:50),
resolve 5 (14 Oct 17:50, because Saturday 11 Oct is a make-up working day).

The notifier runs on its accelerated clock, restarted at chosen simulated
instants (`--clock-start-ms`), and must fire, as recorded in case_alerts:
- due-soon at 75% of the WORKING time from the demand's received time: reply
  9 Oct 11:50, resolve 13 Oct 11:50 (the wall-time share would be 7 Oct
  11:50 and 11 Oct 05:50, inside or just after the holiday);
- overdue at the deadlines themselves;
- for a case paused 3 h, both moved by 3 h (reply due-soon 14:05, overdue
  20:50): the pause stops the clock, the limit does not start again;
- for an extension, due-soon at 75% of the working time from the grant to
  the granted deadline, overdue at it.
On-time figures count against the moved deadline: a reply after the placed
deadline but before the deadline a pause moved counts as on time.

Every expected instant is computed here from deploy/calendar/china.tsv,
apart from lib/calendar.c. On the old code the due-soon alerts fire at the
wall-time share (the first test fails at once: the notifier started on 9
Oct 09:00 fires the reply's due-soon then, not at 11:50).
"""
import datetime as dt
import os
import shutil
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liandong  # noqa: E402
from liandong import pb  # noqa: E402

A = pb.CaseActionKind
CST = dt.timezone(dt.timedelta(hours=8))
PLACED = "2025-09-30T17:50:00+08:00"
COMPOUND = "JA-DH-CZ-1-01"  # 鸿翔花园: PC-YH, a property company (working days)
HOLDER = "PC-YH"
BODY_KEY = liandong.body_identity(HOLDER)
SPEED = 3600               # one simulated hour per real second
SLACK_MS = 40 * 60_000     # simulated lateness allowed: 0.67 s of real time
H = 3600_000
WAIT = 30.0


def cst(s):
    return int(dt.datetime.fromisoformat(s).timestamp() * 1000)


def show(ms):
    return dt.datetime.fromtimestamp(ms / 1000, CST).isoformat()


# ---- the calendar, read here apart from lib/calendar.c ----------------------

def china_days():
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


DAYS, YEARS = china_days()


def working(d):
    k = DAYS.get(d) if YEARS[0] <= d.year <= YEARS[1] else None
    return k == "workday" or (k is None and d.weekday() < 5)


def working_ms(a_ms, b_ms):
    """Working time (whole working days) in [a, b)."""
    total, t = 0, dt.datetime.fromtimestamp(a_ms / 1000, CST)
    end = dt.datetime.fromtimestamp(b_ms / 1000, CST)
    while t < end:
        nxt = dt.datetime.combine(t.date() + dt.timedelta(days=1), dt.time(0), CST)
        if working(t.date()):
            total += int((min(nxt, end) - t).total_seconds() * 1000)
        t = nxt
    return total


def add_working_ms(a_ms, ms):
    """The earliest moment ms of working time after a."""
    t = dt.datetime.fromtimestamp(a_ms / 1000, CST)
    while True:
        nxt = dt.datetime.combine(t.date() + dt.timedelta(days=1), dt.time(0), CST)
        if working(t.date()):
            span = int((nxt - t).total_seconds() * 1000)
            if ms <= span:
                return int(t.timestamp() * 1000) + ms
            ms -= span
        t = nxt


def due_soon(from_ms, due_ms):
    return add_working_ms(from_ms, int(working_ms(from_ms, due_ms) * 0.75))


# ---- the system ---------------------------------------------------------------

@pytest.fixture(scope="module")
def wd():
    s = liandong.System()
    s.env["LIANDONG_POLICY"] = os.path.join(liandong.ROOT, "deploy", "policy",
                                            "working-days.json")
    s.env["LIANDONG_CALENDAR"] = os.path.join(liandong.ROOT, "deploy", "calendar", "china.tsv")
    s.start()
    # The real-time notifier would escalate cases placed in 2025 at once.
    s.services["notifier"].stop()
    yield s
    s.stop(check=True)
    shutil.rmtree(s.workdir, ignore_errors=True)


def notifier_at(system, start_ms):
    """(Re)starts the notifier on its accelerated clock at start_ms; no
    escalation (a year of grace), so every case keeps its deadlines."""
    system.services["notifier"].stop()
    argv = liandong.notifier_argv(system.ep) + [
        "--clock-speed", str(SPEED), "--clock-start-ms", str(start_ms),
        "--reply-escalation-grace-hours", "8760", "--escalation-grace-hours", "8760"]
    system.services["notifier"] = liandong.Service("notifier", argv, system.log_dir, system.env)


def submit(system, received=PLACED, text="鸿翔花园3栋楼道的灯坏了，晚上很黑"):
    args = liandong.submit_args("wechat", f"dc-{uuid.uuid4().hex[:10]}", text,
                                address="鸿翔花园3栋", compound=COMPOUND) + \
        ["--received-at", received]
    end = time.monotonic() + 20
    while True:
        try:
            ans = liandong.submit_answer(system.petition(*args))
            break
        except liandong.CliError as e:
            if "no registry loaded yet" not in str(e) or time.monotonic() > end:
                raise
            time.sleep(0.2)
    assert (ans["body_id"], ans["reply_clock"]) == (HOLDER, "working_days"), ans
    return ans["case_id"]


def act(system, identity, case_id, kind, **fields):
    with system.wire("ledger", identity=identity, timeout=WAIT) as w:
        env = pb.Envelope(request_id=f"dc-{uuid.uuid4().hex[:16]}",
                          case_action=pb.CaseAction(case_id=case_id, kind=kind, **fields))
        ans = w.request(env, WAIT)
    assert ans is not None and ans.WhichOneof("body") == "case_action_done", ans
    return ans.case_action_done.event


def dues(system, case_id):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT ld_ms(reply_due), ld_ms(resolve_due) FROM cases WHERE case_id = %s",
                    (case_id,))
        return cur.fetchone()


def fired(system, case_id, deadline, stage, due_ms=None):
    """Alerts recorded for the deadline (for due time due_ms: a case keeps
    the record of alerts about its earlier due times)."""
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT due_ms, fired_at_ms FROM case_alerts WHERE case_id = %s"
                    " AND deadline = %s AND stage = %s AND (%s::bigint IS NULL OR due_ms = %s)",
                    (case_id, deadline, stage, due_ms, due_ms))
        return cur.fetchall()


def wait_fired(system, case_id, deadline, stage, due_ms, at_ms, timeout=60):
    """The alert fires once, about due_ms, at the simulated instant at_ms
    (never before, at most SLACK_MS after)."""
    end = time.monotonic() + timeout
    while not fired(system, case_id, deadline, stage, due_ms):
        system.assert_alive()
        assert time.monotonic() < end, f"no {deadline} {stage} alert (expected {show(at_ms)})"
        time.sleep(0.2)
    rows = fired(system, case_id, deadline, stage, due_ms)
    assert len(rows) == 1, rows
    got = rows[0][1]
    assert at_ms <= got <= at_ms + SLACK_MS, \
        f"{deadline} {stage} fired at {show(got)}, expected {show(at_ms)}"


# ---- tests ----------------------------------------------------------------------

def test_due_soon_and_overdue_in_working_time_and_a_pause_moves_them(wd):
    plain = submit(wd)
    paused = submit(wd, text="鸿翔花园5栋楼道的灯也坏了")
    reply, resolve = dues(wd, plain)
    assert (show(reply), show(resolve)) == ("2025-10-09T17:50:00+08:00",
                                            "2025-10-14T17:50:00+08:00")
    # The pause of 3 h (the ledger's own time: the deadlines move by it).
    act(wd, BODY_KEY, paused, A.ACTION_PAUSE, actor=HOLDER, reason="waiting_for_resident",
        pause_hours=3)
    preply, presolve = dues(wd, paused)
    assert (preply, presolve) == (reply + 3 * H, resolve + 3 * H)
    placed = cst(PLACED)
    # Computed apart: 24 h and 120 h of working time; three quarters of them.
    assert working_ms(placed, reply) == 24 * H and working_ms(placed, resolve) == 120 * H
    assert show(due_soon(placed, reply)) == "2025-10-09T11:50:00+08:00"
    assert show(due_soon(placed, resolve)) == "2025-10-13T11:50:00+08:00"
    assert show(due_soon(placed, preply)) == "2025-10-09T14:05:00+08:00"

    # 9 Oct 09:00: the wall-time share (7 Oct 11:50) has passed, the working
    # one has not: nothing may fire before 11:50.
    notifier_at(wd, cst("2025-10-09T09:00:00+08:00"))
    wait_fired(wd, plain, "reply", "due_soon", reply, due_soon(placed, reply))
    wait_fired(wd, paused, "reply", "due_soon", preply, due_soon(placed, preply))
    wait_fired(wd, plain, "reply", "overdue", reply, reply)
    wait_fired(wd, paused, "reply", "overdue", preply, preply)
    assert not fired(wd, plain, "resolve", "due_soon")

    # 13 Oct 10:00 (Sunday 12 Oct does not count): the resolution's turn.
    notifier_at(wd, cst("2025-10-13T10:00:00+08:00"))
    wait_fired(wd, plain, "resolve", "due_soon", resolve, due_soon(placed, resolve))
    wait_fired(wd, paused, "resolve", "due_soon", presolve, due_soon(placed, presolve))
    notifier_at(wd, cst("2025-10-14T17:00:00+08:00"))
    wait_fired(wd, plain, "resolve", "overdue", resolve, resolve)
    wait_fired(wd, paused, "resolve", "overdue", presolve, presolve)
    wd.services["notifier"].stop()


def test_an_extension_moves_due_soon_and_overdue(wd):
    cid = submit(wd, text="鸿翔花园7栋楼道的灯坏了")
    act(wd, BODY_KEY, cid, A.ACTION_EXTEND, actor=HOLDER, text="需要等配件到货")
    # Granted: 4 working days from now, at this time of day (the ledger's
    # clock is real: a grant must lie in its future).
    now = int(time.time() * 1000)
    until = add_working_ms(now, 4 * 24 * H)
    ev = act(wd, "operator.admin", cid, A.ACTION_GRANT, actor="operator:admin",
             resolve_due_ms=until, text="同意延期")
    assert dues(wd, cid)[1] == until
    soon = due_soon(ev.at_ms, until)  # the limit runs from the grant
    notifier_at(wd, soon - 30 * 60_000)
    wait_fired(wd, cid, "resolve", "due_soon", until, soon)
    notifier_at(wd, until - 30 * 60_000)
    wait_fired(wd, cid, "resolve", "overdue", until, until)
    wd.services["notifier"].stop()


def rates(system):
    return {r["key"]: r for r in liandong.rate_rows(system.petition("rates", "--by", "body"))}


def test_on_time_counts_against_the_moved_deadline(wd):
    """A reply after the deadline the case was placed with, but before the
    one a pause moved it to, is on time."""
    today = dt.datetime.now(CST)
    if not working(today.date()) or today.hour == 23 and today.minute > 55:
        pytest.skip("needs a working day in China, not at midnight")
    prev = today.date() - dt.timedelta(days=1)
    while not working(prev):
        prev -= dt.timedelta(days=1)
    # placed on the previous working day, 20 s later in the day: the reply
    # (1 working day) is due 20 s from now
    placed = dt.datetime.combine(prev, today.timetz()) + dt.timedelta(seconds=20)
    cid = submit(wd, received=placed.isoformat(timespec="seconds"))
    reply, _ = dues(wd, cid)
    assert 0 < reply - int(time.time() * 1000) <= 21_000, show(reply)
    before = rates(wd).get(HOLDER, {})
    act(wd, BODY_KEY, cid, A.ACTION_PAUSE, actor=HOLDER, reason="waiting_for_resident",
        pause_hours=1)
    assert dues(wd, cid)[0] == reply + H
    time.sleep(max(0, (reply - int(time.time() * 1000)) / 1000) + 1)
    act(wd, BODY_KEY, cid, A.ACTION_REPLY, actor=HOLDER, text="已联系居民，明天上门维修")
    after = rates(wd)[HOLDER]
    assert int(after["replied"]) == int(before.get("replied", 0)) + 1
    assert int(after["replied_on_time"]) == int(before.get("replied_on_time", 0)) + 1, after


def test_registry_marks_a_body_around_the_clock(tmp_path):
    """Issue 15, per-body clocks: a body the registry marks
    "around_the_clock": true runs in natural hours whatever the policy
    (the router's dry-run, the same placement code as the service). On the
    old code the field is ignored: PC-YH stays on working days."""
    import json
    import subprocess
    with open(os.path.join(liandong.ROOT, "deploy", "registry", "sample.json"),
              encoding="utf-8") as f:
        reg = json.load(f)
    marked = [b for b in reg["bodies"] if b["id"] == HOLDER]
    assert len(marked) == 1
    marked[0]["around_the_clock"] = True
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    line = json.dumps({"id": "d1", "channel": "wechat", "text": "3栋楼道的灯坏了快一个月了",
                       "compound": COMPOUND, "received_at": PLACED}, ensure_ascii=False)
    out = subprocess.run(
        [os.path.join(liandong.BIN, "router"), "--dry-run", "--registry", str(path),
         "--policy", os.path.join(liandong.ROOT, "deploy", "policy", "working-days.json"),
         "--calendar", os.path.join(liandong.ROOT, "deploy", "calendar", "china.tsv"),
         "--lexicon", liandong.LEXICON_DIR],
        input=line + "\n", capture_output=True, text=True, timeout=60, cwd=liandong.ROOT)
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout.splitlines()[0])
    assert ans["body_id"] == HOLDER, ans
    assert (ans["reply_clock"], ans["resolve_clock"]) == ("natural", "natural"), ans
    assert (ans["reply_due_at"], ans["resolve_due_at"]) == (
        "2025-10-01T17:50:00+08:00", "2025-10-05T17:50:00+08:00"), ans
    # a registry with a flag that is not a boolean is refused, naming it
    marked[0]["around_the_clock"] = "yes"
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run(
        [os.path.join(liandong.BIN, "router"), "--dry-run", "--registry", str(path),
         "--lexicon", liandong.LEXICON_DIR],
        input=line + "\n", capture_output=True, text=True, timeout=60, cwd=liandong.ROOT)
    assert out.returncode != 0 and "around_the_clock must be true or false" in out.stderr, out
