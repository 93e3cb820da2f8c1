"""Case lifecycle semantics of issue 11 (ROUTING.md section 8), end to end
with CURVE keys, the router's desk and the ledger:

- a reply or a resolution must say something: empty, blank, punctuation
  only or shorter than the configured minimum (4 characters of content by
  default) is refused BAD_REQUEST, at the router's desk and at the ledger,
  and records nothing;
- a case dispatched or escalated to the body that holds it is refused and
  no figure counts it;
- an operator answering for a body counts for the dispatch centre, not for
  the body (nor the body's units);
- only a front-end of the case's own channel relays its resident's rating,
  once per resolution;
- "dissatisfied" reopens the case (重办) to the same body with a new
  resolution deadline and is counted as a reopen; a second "dissatisfied"
  escalates it one rung.
"""
import uuid

import pytest

import liandong
from liandong import pb

A = pb.CaseActionKind
WAIT = 30.0
COMPOUND = "JA-DH-CZ-1-01"       # 鸿翔花园: PC-YH, community JA-DH-CZ-1
HOLDER = "PC-YH"
COMMUNITY_COMMITTEE = "JA-DH-CZ-1-RC"
DISPATCH = "JA-DISPATCH"


def rid(prefix="lc"):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def submit(system, tag, channel="hotline"):
    args = liandong.submit_args(channel, f"{tag}-{uuid.uuid4().hex[:8]}",
                                "鸿翔花园3栋楼道的灯坏了，晚上很黑", address="鸿翔花园3栋",
                                compound=COMPOUND)
    ans = liandong.submit_answer(system.petition(*args, identity=f"frontend.{channel}"))
    assert ans["body_id"] == HOLDER, ans
    return ans


def act(system, socket, identity, case_id, kind, request_id=None, **fields):
    """One CaseAction on `socket` (ledger or desk) with `identity`'s key."""
    with system.wire(socket, identity=identity, timeout=WAIT) as w:
        env = pb.Envelope(request_id=request_id or rid(),
                          case_action=pb.CaseAction(case_id=case_id, kind=kind, **fields))
        ans = w.request(env, WAIT)
        assert ans is not None, f"no answer from the {socket}"
        return ans


def ok(ans):
    assert ans.WhichOneof("body") == "case_action_done", ans
    return ans.case_action_done


def refused(ans, code):
    assert ans.WhichOneof("body") == "error", ans
    assert ans.error.code == code, ans
    return ans.error.message


def case_row(system, case_id):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT state, body_id, extract(epoch FROM resolve_due),"
                    " extract(epoch FROM now()), (SELECT count(*) FROM case_events e"
                    "  WHERE e.case_id = c.case_id) FROM cases c WHERE case_id = %s", (case_id,))
        state, body, resolve_due, now, n_events = cur.fetchone()
        return {"state": state, "body": body, "resolve_due": float(resolve_due),
                "now": float(now), "events": n_events}


def rates(system, by="body"):
    return {r["key"]: r for r in liandong.rate_rows(system.petition("rates", "--by", by))}


def figure(rows, key, field):
    return int(rows.get(key, {}).get(field, 0))


BODY_KEY = liandong.body_identity(HOLDER)


# ------------------------------------------------------ replies that say something

@pytest.mark.parametrize("text", ["", "   ", "\u3000\u3000", "。。。！！", "...?!", "——……",
                                  "ok", "修好了", " o k "])
def test_empty_blank_punctuation_or_short_reply_refused(system, text):
    c = submit(system, "blank")
    before = case_row(system, c["case_id"])
    # At the ledger (the authority) and at the router's desk (early, same rule).
    for socket in ("ledger", "desk"):
        msg = refused(act(system, socket, BODY_KEY, c["case_id"], A.ACTION_REPLY, text=text),
                      pb.ERROR_BAD_REQUEST)
        assert "reply text" in msg, msg
    after = case_row(system, c["case_id"])
    assert (after["state"], after["events"]) == (before["state"], before["events"])
    # Four characters of content are a reply.
    assert ok(act(system, "desk", BODY_KEY, c["case_id"], A.ACTION_REPLY,
                  text="已派电工")).event.to_state == "replied"


def test_resolution_without_result_refused(system):
    c = submit(system, "result")
    ok(act(system, "ledger", BODY_KEY, c["case_id"], A.ACTION_REPLY, text="已派电工维修"))
    for text in ("", "  ", "。。。。"):
        for socket in ("ledger", "desk"):
            msg = refused(act(system, socket, BODY_KEY, c["case_id"], A.ACTION_RESOLVE,
                              text=text), pb.ERROR_BAD_REQUEST)
            assert "resolution result" in msg, msg
    assert case_row(system, c["case_id"])["state"] == "replied"
    assert ok(act(system, "ledger", BODY_KEY, c["case_id"], A.ACTION_RESOLVE,
                  text="灯已换好，已验收")).event.to_state == "resolved"


# ------------------------------------------------------ re-dispatch to self

def test_dispatch_or_escalate_to_the_holder_refused_and_not_counted(system):
    c = submit(system, "self")
    before_rows = rates(system)
    before = case_row(system, c["case_id"])
    # Straight to the ledger, as an operator, both actions.
    for kind in (A.ACTION_DISPATCH, A.ACTION_ESCALATE):
        msg = refused(act(system, "ledger", "operator.admin", c["case_id"], kind,
                          actor="operator:admin", target_body=HOLDER), pb.ERROR_BAD_REQUEST)
        assert "already held by " + HOLDER in msg, msg
    # Through the router, as the CLI does it.
    r = system.petition("dispatch", c["case_id"], "--to", HOLDER, json=False, check=False)
    assert r.returncode != 0, r.stdout
    after = case_row(system, c["case_id"])
    assert (after["state"], after["body"], after["events"]) == \
        (before["state"], HOLDER, before["events"])
    after_rows = rates(system)
    assert figure(after_rows, HOLDER, "received") == figure(before_rows, HOLDER, "received")


# ------------------------------------------------------ answers on a body's behalf

def test_operator_reply_counts_for_the_dispatch_centre_not_the_body(system):
    a, b = submit(system, "behalf-a"), submit(system, "behalf-b")
    before, before_units = rates(system), rates(system, "compound")
    # The CLI's default identity is an operator: --body names the body it
    # answers for, the key says who answered.
    system.petition("reply", a["case_id"], "--body", HOLDER, "--text", "已联系物业，明天上门",
                    json=False)
    # An operator naming itself.
    ok(act(system, "ledger", "operator.admin", b["case_id"], A.ACTION_REPLY,
           actor="operator:admin", text="已转物业处理"))
    ok(act(system, "ledger", "operator.admin", b["case_id"], A.ACTION_RESOLVE,
           actor="operator:admin", text="物业已修好路灯"))
    after, after_units = rates(system), rates(system, "compound")
    assert figure(after, HOLDER, "replied") == figure(before, HOLDER, "replied")
    assert figure(after, HOLDER, "resolved") == figure(before, HOLDER, "resolved")
    # The dispatch centre's own figure: answers on behalf, apart from its
    # replies to the cases it holds itself.
    assert figure(after, DISPATCH, "replied") == figure(before, DISPATCH, "replied")
    assert figure(after, DISPATCH, "resolved") == figure(before, DISPATCH, "resolved")
    assert figure(after, DISPATCH, "replied_on_behalf") == \
        figure(before, DISPATCH, "replied_on_behalf") + 2
    assert figure(after, DISPATCH, "resolved_on_behalf") == \
        figure(before, DISPATCH, "resolved_on_behalf") + 1
    assert figure(after, HOLDER, "replied_on_behalf") == 0
    assert figure(after_units, COMPOUND, "replied") == figure(before_units, COMPOUND, "replied")
    assert figure(after_units, COMPOUND, "replied_on_behalf") == 0
    # The case itself was answered: no longer overdue for a reply.
    assert case_row(system, a["case_id"])["state"] == "replied"
    # The body's own reply still counts for the body.
    c = submit(system, "behalf-c")
    ok(act(system, "desk", BODY_KEY, c["case_id"], A.ACTION_REPLY, text="物业已安排电工"))
    assert figure(rates(system), HOLDER, "replied") == figure(before, HOLDER, "replied") + 1


# ------------------------------------------------------ ratings

def resolved_case(system, tag, channel="hotline"):
    c = submit(system, tag, channel)
    ok(act(system, "desk", BODY_KEY, c["case_id"], A.ACTION_REPLY, text="已派电工维修"))
    ok(act(system, "desk", BODY_KEY, c["case_id"], A.ACTION_RESOLVE, text="灯已换好，已验收"))
    return c


def rate(system, case_id, rating, channel="hotline", request_id=None):
    return act(system, "ledger", liandong.frontend_identity(channel), case_id, A.ACTION_RATE,
               request_id=request_id, actor="resident:r1", rating=rating)


def test_rating_only_through_the_cases_own_channel(system):
    c = resolved_case(system, "door")
    for other in ("wechat", "grid"):
        msg = refused(rate(system, c["case_id"], "dissatisfied", other), pb.ERROR_FORBIDDEN)
        assert "hotline" in msg, msg
    assert case_row(system, c["case_id"])["state"] == "resolved"
    assert ok(rate(system, c["case_id"], "satisfied")).event.to_state == "closed"


def test_one_rating_per_resolution(system):
    c = resolved_case(system, "once")
    r = rid("rate")
    first = ok(rate(system, c["case_id"], "dissatisfied", request_id=r))
    # The same request again is the same rating (a retry), not a second one.
    again = ok(rate(system, c["case_id"], "dissatisfied", request_id=r))
    assert again.duplicate and again.event.seq == first.event.seq
    # Another rating of the same resolution: refused, whatever it says.
    for rating in ("satisfied", "dissatisfied"):
        refused(rate(system, c["case_id"], rating), pb.ERROR_ILLEGAL_TRANSITION)


def test_dissatisfied_reopens_then_escalates_and_reopens_are_counted(system):
    c = resolved_case(system, "reopen")
    cid = c["case_id"]
    before, before_units = rates(system), rates(system, "compound")
    old = case_row(system, cid)
    ev = ok(rate(system, cid, "dissatisfied")).event
    # Reopened (重办): the same body, replied (its reply stands), a new
    # resolution deadline of the case's own limit from now.
    assert (ev.kind, ev.to_state, ev.body_id, ev.note) == \
        ("rated", "replied", HOLDER, "dissatisfied")
    now = case_row(system, cid)
    assert (now["state"], now["body"]) == ("replied", HOLDER)
    limit_s = c["resolve_due_hours"] * 3600
    assert now["resolve_due"] > old["resolve_due"]
    assert abs(now["resolve_due"] - (now["now"] + limit_s)) < 120, (now, limit_s)
    # Delivered to the body again: its desk sees the case come back.
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM deliveries WHERE case_id = %s AND body_id = %s"
                    " AND event_seq = %s AND NOT copy", (cid, HOLDER, ev.seq))
        assert cur.fetchone()[0] == 1
    after, after_units = rates(system), rates(system, "compound")
    assert figure(after, HOLDER, "reopened") == figure(before, HOLDER, "reopened") + 1
    assert figure(after_units, COMPOUND, "reopened") == \
        figure(before_units, COMPOUND, "reopened") + 1
    assert figure(after, HOLDER, "rated") == figure(before, HOLDER, "rated") + 1
    assert figure(after, HOLDER, "satisfied") == figure(before, HOLDER, "satisfied")

    # The body resolves it again; a second "dissatisfied" goes one rung up:
    # the compound's community committee (ROUTING.md section 7).
    ok(act(system, "desk", BODY_KEY, cid, A.ACTION_RESOLVE, text="重新更换了灯具和开关"))
    ev2 = ok(rate(system, cid, "dissatisfied")).event
    assert (ev2.kind, ev2.to_state, ev2.body_id) == ("rated", "assigned", COMMUNITY_COMMITTEE)
    up = case_row(system, cid)
    assert (up["state"], up["body"]) == ("assigned", COMMUNITY_COMMITTEE)
    assert abs(up["resolve_due"] - (up["now"] + limit_s)) < 120
    final = rates(system)
    assert figure(final, HOLDER, "escalated") == figure(before, HOLDER, "escalated") + 1
    assert figure(final, COMMUNITY_COMMITTEE, "received") == \
        figure(before, COMMUNITY_COMMITTEE, "received") + 1
    # An escalation is not a reopen.
    assert figure(final, HOLDER, "reopened") == figure(before, HOLDER, "reopened") + 1
    # The committee's own resolution may be rated again: its first
    # "dissatisfied" reopens the case with the committee.
    ck = liandong.body_identity(COMMUNITY_COMMITTEE)
    ok(act(system, "ledger", ck, cid, A.ACTION_REPLY, text="社区已收到，马上协调"))
    ok(act(system, "ledger", ck, cid, A.ACTION_RESOLVE, text="社区已协调物业彻底修好"))
    ev3 = ok(rate(system, cid, "dissatisfied")).event
    assert (ev3.to_state, ev3.body_id) == ("replied", COMMUNITY_COMMITTEE)
