"""Escalation as ROUTING.md section 7 says it (issue 11, item 6): an
emergency nobody replies to goes up one rung when its reply deadline plus
the grace has passed, not only when its resolution is late. A replied
emergency and an unreplied normal case do not go up at their reply
deadline.

The notifier runs on an accelerated clock (an hour per real second: the
emergency's 2 h reply limit passes in two real seconds), with a one-hour
grace for both deadlines.
"""
import time

import liandong
from liandong import pb

SPEED = 3600
GRACE_H = 1
WAIT = 60.0
HOUR_MS = 3600_000
ADDRESS = "鸿翔花园7栋3单元1201"
COMPOUND = "JA-DH-CZ-1-01"
EMERGENCY_TEXT = "鸿翔花园7栋电梯突然停了，有人被困在电梯里出不来"
NORMAL_TEXT = "鸿翔花园5栋楼道灯坏了很久了没人修"


def wait_for(what, fn, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.2)


def submit(system, cid, text, urgency=None):
    args = liandong.submit_args("hotline", f"{cid}-{int(time.time() * 1000)}", text,
                                address=ADDRESS, compound=COMPOUND, urgency=urgency)
    return liandong.submit_answer(system.petition(*args, identity="frontend.hotline"))


def query(system, sql, *args):
    conn = system.db()
    try:
        cur = conn.cursor()
        cur.execute(sql, args)
        return cur.fetchall()
    finally:
        conn.close()


def alerts(system, case_id):
    """{(deadline, stage): the first such alert} (an escalated case gets new
    deadlines, whose stages come later)."""
    out = {}
    for r in query(system, "SELECT deadline, stage, due_ms, fired_at_ms FROM case_alerts"
                   " WHERE case_id = %s ORDER BY due_ms DESC", case_id):
        out[(r[0], r[1])] = r
    return out


def case(system, case_id):
    return query(system, "SELECT body_id, ld_ms(reply_due), ld_ms(resolve_due), state"
                 " FROM cases WHERE case_id = %s", case_id)[0]


def test_unanswered_emergency_escalates_after_reply_deadline_plus_grace(system):
    system.services["notifier"].stop()
    anchor = int(time.time() * 1000)
    argv = liandong.notifier_argv(system.ep) + [
        "--clock-speed", str(SPEED), "--clock-anchor-ms", str(anchor),
        "--escalation-grace-hours", str(GRACE_H),
        "--reply-escalation-grace-hours", str(GRACE_H), "--probe-interval-ms", "300"]
    system.services["notifier"] = liandong.Service("notifier", argv, system.log_dir, system.env)
    wait_for("notifier synchronised",
             lambda: "synchronised" in open(system.services["notifier"].log_path,
                                            encoding="utf-8").read())

    # The answered emergency first, replied at once (its reply is due in
    # two real seconds).
    answered = submit(system, "esc-r", EMERGENCY_TEXT + "，第二次", urgency="emergency")
    body = liandong.body_identity(answered["body_id"])
    with system.wire("desk", identity=body, timeout=WAIT) as w:
        env = pb.Envelope(request_id=f"esc-{anchor}", case_action=pb.CaseAction(
            case_id=answered["case_id"], kind=pb.ACTION_REPLY, text="已派人赶往现场救援"))
        ans = w.request(env, WAIT)
        assert ans is not None and ans.WhichOneof("body") == "case_action_done", ans
    e = submit(system, "esc-e", EMERGENCY_TEXT, urgency="emergency")
    holder, reply_due, resolve_due, _ = case(system, e["case_id"])
    assert e["urgency"] == "emergency" and e["reply_due_hours"] == 2, e
    normal = submit(system, "esc-n", NORMAL_TEXT)
    assert normal["urgency"] == "normal", normal

    # The emergency: the reply's escalate stage, at reply deadline + grace
    # (simulated), long before its resolution is due; the case is one rung up.
    row = wait_for("the emergency's reply escalation",
                   lambda: alerts(system, e["case_id"]).get(("reply", "escalate")))
    assert row[2] == reply_due
    assert reply_due + GRACE_H * HOUR_MS <= row[3] < resolve_due, (row, reply_due, resolve_due)
    ev = wait_for("the escalated event", lambda: query(
        system, "SELECT actor, body_id, note FROM case_events WHERE case_id = %s"
        " AND kind = 'escalated' ORDER BY seq LIMIT 1", e["case_id"]))[0]
    assert ev[0] == "service:notifier" and "emergency" in ev[2], ev
    up = query(system, "SELECT ld_next_rung(%s, %s)", holder, COMPOUND)[0][0]
    assert up and up != holder and ev[1] == up, (ev, holder, up)

    # The replied emergency and the normal case: past their reply deadline
    # plus grace in simulated time, and not escalated for it.
    _, normal_reply_due, _, _ = case(system, normal["case_id"])
    wait_for("the normal case's reply overdue",
             lambda: alerts(system, normal["case_id"]).get(("reply", "overdue")))
    time.sleep((GRACE_H * HOUR_MS) / SPEED / 1000 + 3.0)
    assert ("reply", "escalate") not in alerts(system, normal["case_id"])
    assert case(system, normal["case_id"])[0] == normal["body_id"]
    # (The answered emergency's resolution, due in 24 h, may have gone up by
    # now: that is the resolve deadline's escalation, not the reply's.)
    assert ("reply", "escalate") not in alerts(system, answered["case_id"])
