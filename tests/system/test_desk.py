"""Department desks (issue 4): delivery of every assigned case through the
router's desk socket, at least once and in order, until acknowledged; the
department's answers under the identity of its key; escalation and
re-dispatch through the router. Real processes, CURVE on (unless the whole
run is LIANDONG_INSECURE).

What a department sees is checked by a desk written here over ZeroMQ (an
independent implementation of the protocol), deduplicating by delivery_seq
as the contract says a department must.
"""
import json
import os
import signal
import subprocess
import time

import pytest

import liandong
from liandong import pb

# Desks are identified by their body's CURVE key: nothing to test without.
pytestmark = pytest.mark.skipif(liandong.INSECURE, reason="desks need CURVE keys")

BODY = "PC-YH"                      # property company of 鸿翔花園 (JA-DH-CZ-1-01)
COMPOUND = "JA-DH-CZ-1-01"
PARTY = "JA-DH-CZ-1-01-PB"          # copied on compound-body cases
DISPATCH = "JA-DISPATCH"
LADDER = ["JA-DH-CZ-1-RC", "JA-DH-CZ-OFFICE", "JA-DH-DISTRICT_OFFICE", "JA-GOV"]
TEXT = "3栋楼道的灯坏了"
WAIT = 60.0 if "san" in liandong.BUILD else 30.0  # generous bound on "eventually"

A = pb.CaseActionKind


def demand_env(channel_id, name="张三", phone="13800001234"):
    env = pb.Envelope()
    d = env.submit_demand.demand
    d.channel, d.channel_id, d.text, d.compound = "hotline", channel_id, TEXT, COMPOUND
    d.resident_name, d.resident_phone = name, phone
    return env


def submit_many(system, ids):
    """Submits demands pipelined on one front-end connection; returns
    {channel_id: case_id}. Every demand must be acknowledged."""
    out = {}
    with system.wire("router", timeout=WAIT) as w:
        rids = {}
        for cid in ids:
            rids[w.send(demand_env(cid))] = cid
        while len(out) < len(ids):
            ans = w.recv(WAIT)
            assert ans is not None, f"only {len(out)} of {len(ids)} demands acknowledged"
            assert ans.WhichOneof("body") == "submit_ack", ans
            out[rids[ans.request_id]] = ans.submit_ack.case_id
    return out


class Desk:
    """A department system: attaches with its body's key, keeps what it was
    delivered (by delivery_seq: exactly once in effect) and acknowledges."""

    def __init__(self, system, body, window=0, ack=True):
        self.body, self.ack = body, ack
        self.w = system.wire("desk", identity=liandong.body_identity(body), timeout=WAIT)
        self.by_seq = {}        # delivery_seq -> CaseRecord
        self.pushes = 0
        env = pb.Envelope()
        env.desk_attach.window = window
        ans = self.w.request(env, WAIT)
        assert ans is not None and ans.WhichOneof("body") == "desk_attached", ans
        assert ans.desk_attached.body_id == body

    def close(self):
        self.w.close()

    def pump(self, timeout=1.0, stop_at=None):
        """Handles what arrives within timeout (or until stop_at cases are
        known); returns the number of new deliveries."""
        new = 0
        while stop_at is None or len(self.by_seq) < stop_at:
            env = self.w.recv(timeout)
            if env is None:
                return new
            timeout = 0.2
            if env.WhichOneof("body") != "case_delivery":
                continue
            rec = env.case_delivery.record
            self.pushes += 1
            if rec.delivery_seq not in self.by_seq:
                self.by_seq[rec.delivery_seq] = rec
                new += 1
            if self.ack:
                a = pb.Envelope()
                a.request_id = f"ack-{self.body}-{rec.delivery_seq}"
                a.case_action.case_id = rec.case_id
                a.case_action.kind = A.Value("ACTION_DELIVERED")
                self.w.send(a)
        return new

    def until(self, n, deadline=WAIT):
        end = time.monotonic() + deadline
        while len(self.by_seq) < n and time.monotonic() < end:
            self.pump(0.5)
        return len(self.by_seq)

    def act(self, case_id, kind, **fields):
        env = pb.Envelope()
        env.case_action.case_id = case_id
        env.case_action.kind = A.Value(kind)
        for k, v in fields.items():
            setattr(env.case_action, k, v)
        return self.request(env)

    def request(self, env):
        rid = self.w.send(env)
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            ans = self.w.recv(1.0)
            if ans is None:
                continue
            if ans.request_id == rid:
                return ans
        return None


def pending(system, body):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM deliveries WHERE body_id = %s AND acked_at IS NULL"
                    " AND superseded_at IS NULL", (body,))
        return cur.fetchone()[0]


def history(system, case_id):
    return system.petition("case", case_id)


def test_delivery_in_order_acknowledged_and_copies_masked(system):
    ids = submit_many(system, [f"dlv-{i}" for i in range(5)])
    desk = Desk(system, BODY)
    try:
        assert desk.until(5) == 5
    finally:
        desk.close()
    recs = [desk.by_seq[s] for s in sorted(desk.by_seq)]
    # Assignment order = submission order here (one connection, in order).
    assert [r.case_id for r in recs] == [ids[f"dlv-{i}"] for i in range(5)]
    assert all(not r.copy and r.resident_phone == "13800001234" for r in recs)
    # Acknowledged: nothing pending, and each case says so in its history.
    assert pending(system, BODY) == 0
    h = history(system, recs[0].case_id)
    assert h["state"] == "delivered"
    assert [e["kind"] for e in h["events"]] == ["created", "assigned", "delivered"]
    # The party branch got copies, marked and masked.
    party = Desk(system, PARTY)
    try:
        assert party.until(5) == 5
    finally:
        party.close()
    for r in party.by_seq.values():
        assert r.copy
        assert r.resident_phone == "*******1234" and r.resident_name == "张*"
        assert r.body_id == BODY
    assert pending(system, PARTY) == 0
    # A copy's acknowledgement changes nothing about the case.
    assert history(system, recs[0].case_id)["state"] == "delivered"


def test_offline_desk_gets_all_500_exactly_once(system):
    ids = submit_many(system, [f"off-{i}" for i in range(500)])
    assert pending(system, BODY) == 500
    desk = Desk(system, BODY)
    try:
        assert desk.until(500) == 500
        desk.pump(1.0)       # late repeats, if any, must not add anything
    finally:
        desk.close()
    got = [desk.by_seq[s].case_id for s in sorted(desk.by_seq)]
    assert len(got) == 500 and set(got) == set(ids.values())  # each case once, none missing
    assert got == [ids[f"off-{i}"] for i in range(500)]       # in assignment order
    assert pending(system, BODY) == 0


def restart_router(system):
    old = system.services["router"]
    old.proc.send_signal(signal.SIGKILL)
    old.proc.wait()
    old.stop()  # closes its log
    system.services["router"] = liandong.Service("router", liandong.router_argv(system.ep),
                                                 system.log_dir, system.env)
    # Ready means placing: `petition ping` waits for its first registry
    # (built beside its loop; a demand sent before that is UNAVAILABLE).
    system._retry("router after restart", lambda: system.petition("ping", json=False, timeout=5))


def attach_retry(desk):
    """Attaches again (a restarted router knows no desk) until it answers."""
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        env = pb.Envelope()
        env.desk_attach.window = 8
        rid = desk.w.send(env, must=False)
        t = time.monotonic() + 2.0
        while rid and time.monotonic() < t:
            a = desk.w.recv(0.5)
            if a is not None and a.request_id == rid:
                return a.WhichOneof("body") == "desk_attached"
    return False


def test_router_killed_mid_delivery_loses_nothing(system):
    ids = submit_many(system, [f"kill-{i}" for i in range(200)])
    desk = Desk(system, BODY, window=8)
    try:
        end = time.monotonic() + WAIT
        while len(desk.by_seq) < 40 and time.monotonic() < end:
            desk.pump(0.2, stop_at=40)
        assert 0 < len(desk.by_seq) < 200, "delivery was not in the middle"
        restart_router(system)
        assert attach_retry(desk), "the restarted router did not take the desk back"
        assert desk.until(200) == 200
    finally:
        desk.close()
    got = [desk.by_seq[s].case_id for s in sorted(desk.by_seq)]
    assert len(got) == 200 and set(got) == set(ids.values())
    assert pending(system, BODY) == 0
    system.assert_alive()


def one_case(system, tag):
    return submit_many(system, [tag])[tag]


def submit_at(system, compound, tags):
    out = []
    with system.wire("router", timeout=WAIT) as w:
        for tag in tags:
            env = demand_env(tag)
            env.submit_demand.demand.compound = compound
            ans = w.request(env, WAIT)
            assert ans is not None and ans.WhichOneof("body") == "submit_ack", ans
            out.append(ans.submit_ack)
    return out


def wait_no_pending(system, body):
    end = time.monotonic() + WAIT
    while pending(system, body) and time.monotonic() < end:
        time.sleep(0.2)
    return pending(system, body)


def error_code(ans):
    assert ans is not None, "no answer"
    assert ans.WhichOneof("body") == "error", ans
    return pb.ErrorCode.Name(ans.error.code)


def test_body_cannot_act_on_another_bodys_case(system):
    case = one_case(system, "other-1")
    before = history(system, case)
    other = Desk(system, "PC-JD")
    try:
        for kind, fields in (("ACTION_REPLY", {"text": "不是我们的"}),
                             ("ACTION_ACCEPT", {}),
                             ("ACTION_RETURN", {"reason": "territory"})):
            assert error_code(other.act(case, kind, **fields)) == "ERROR_FORBIDDEN"
    finally:
        other.close()
    # The CLI straight to the ledger with the other body's key: refused too.
    r = system.petition("reply", case, "--body", BODY, "--text", "不是我们的", json=False,
                        check=False,
                        identity=liandong.body_identity("PC-JD"))
    assert r.returncode != 0
    after = history(system, case)
    assert after["events"] == before["events"] and after["state"] == before["state"]


def test_forged_body_id_changes_nothing(system):
    case = one_case(system, "forge-1")
    before = history(system, case)
    forger = Desk(system, "PC-JD")
    try:
        # The message names the holder; the key is another body's.
        assert error_code(forger.act(case, "ACTION_ACCEPT", actor=BODY)) == "ERROR_FORBIDDEN"
        assert error_code(forger.act(case, "ACTION_REPLY", actor=BODY, text="伪造的回复内容")) \
            == "ERROR_FORBIDDEN"
        forger.pump(1.0)
        assert all(r.case_id != case for r in forger.by_seq.values())
    finally:
        forger.close()
    # Reading another body's pending deliveries straight from the ledger.
    with system.wire("ledger", identity=liandong.body_identity("PC-JD")) as w:
        env = pb.Envelope()
        env.pending_deliveries.body_id = BODY
        assert error_code(w.request(env, WAIT)) == "ERROR_FORBIDDEN"
    # Escalating it through the router with a forged actor.
    with system.wire("router", identity=liandong.body_identity("PC-JD")) as w:
        env = pb.Envelope()
        env.case_action.case_id = case
        env.case_action.kind = A.Value("ACTION_ESCALATE")
        env.case_action.actor = BODY
        assert error_code(w.request(env, WAIT)) == "ERROR_FORBIDDEN"
    after = history(system, case)
    assert after["events"] == before["events"] and after["body_id"] == BODY


def escalate_as(system, identity, case, text="超时未回复", request_id=""):
    with system.wire("router", identity=identity, timeout=WAIT) as w:
        env = pb.Envelope()
        env.request_id = request_id
        env.case_action.case_id = case
        env.case_action.kind = A.Value("ACTION_ESCALATE")
        env.case_action.text = text
        return w.request(env, WAIT)


def test_escalation_from_compound_body_to_city_office(system):
    case = one_case(system, "esc-1")
    # The holder hands it up on purpose (建议权), through the CLI.
    system.petition("escalate", case, "--text", "超出物业职权",
                    identity=liandong.body_identity(BODY))
    # The notifier escalates what nobody answered.
    ans = escalate_as(system, "service.notifier", case)
    assert ans.WhichOneof("body") == "case_action_done", ans
    # The community committee may not escalate a case it no longer holds.
    assert error_code(escalate_as(system, liandong.body_identity(LADDER[0]), case)) \
        == "ERROR_FORBIDDEN"
    # An operator, twice more, through the CLI.
    system.petition("escalate", case, "--text", "区级督办")
    system.petition("escalate", case, "--text", "市级督办")
    # Nothing above the city office.
    assert error_code(escalate_as(system, "operator.admin", case)) == "ERROR_ILLEGAL_TRANSITION"
    h = history(system, case)
    assert h["body_id"] == "JA-GOV" and h["state"] == "assigned"
    esc = [e for e in h["events"] if e["kind"] == "escalated"]
    assert [e["body_id"] for e in esc] == LADDER
    assert [e["actor"] for e in esc] == [BODY, "service:notifier", "operator:admin",
                                         "operator:admin"]
    assert [e["kind"] for e in h["events"]] == ["created", "assigned"] + ["escalated"] * 4
    # Every rung was sent the case in the transaction that escalated it; the
    # lower rungs' deliveries are superseded, the city office's is waiting.
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT body_id, superseded_at IS NOT NULL FROM deliveries"
                    " WHERE case_id = %s AND NOT copy ORDER BY event_seq", (case,))
        rows = cur.fetchall()
    assert [b for b, _ in rows] == [BODY] + LADDER
    assert [s for _, s in rows] == [True] * 4 + [False]
    gov = Desk(system, "JA-GOV")
    try:
        gov.until(1)
    finally:
        gov.close()
    assert [r.case_id for r in gov.by_seq.values()] == [case]
    assert gov.by_seq[min(gov.by_seq)].body_id == "JA-GOV"
    assert history(system, case)["state"] == "delivered"


def test_returned_case_reaches_dispatch_centre_and_is_redispatched(system):
    case = one_case(system, "ret-1")
    yh = Desk(system, BODY)
    try:
        yh.until(1)
        ans = yh.act(case, "ACTION_RETURN", reason="ownership", text="电梯不归我们管")
        assert ans.WhichOneof("body") == "case_action_done", ans
    finally:
        yh.close()
    h = history(system, case)
    assert (h["state"], h["body_id"]) == ("returned", DISPATCH)
    disp = Desk(system, DISPATCH)
    try:
        disp.until(1)
    finally:
        disp.close()
    got = [r for r in disp.by_seq.values() if r.case_id == case]
    assert len(got) == 1 and got[0].state == "returned"
    # Re-dispatch to a district department (CLI, dispatch centre's key); it
    # can escalate only to its district office.
    system.petition("dispatch", case, "--to", "JA-DH-HOUSING_BUREAU",
                    identity=liandong.body_identity(DISPATCH))
    h = history(system, case)
    assert (h["state"], h["body_id"]) == ("assigned", "JA-DH-HOUSING_BUREAU")
    assert escalate_as(system, liandong.body_identity("JA-DH-HOUSING_BUREAU"), case) \
        .WhichOneof("body") == "case_action_done"
    h = history(system, case)
    assert h["body_id"] == "JA-DH-DISTRICT_OFFICE"
    assert [e["kind"] for e in h["events"]] == ["created", "assigned", "delivered", "returned",
                                               "dispatched", "escalated"]
    # A body that is not the dispatch centre may not dispatch.
    r = system.petition("dispatch", case, "--to", BODY, json=False, check=False,
                        identity=liandong.body_identity("PC-JD"))
    assert r.returncode != 0
    assert history(system, case)["body_id"] == "JA-DH-DISTRICT_OFFICE"
    assert pending(system, "JA-DH-DISTRICT_OFFICE") >= 1


def test_body_cannot_choose_where_its_case_goes(system):
    case = one_case(system, "choose-1")
    # Straight to the ledger with its own key and a target of its choice.
    with system.wire("ledger", identity=liandong.body_identity(BODY)) as w:
        env = pb.Envelope()
        env.case_action.case_id = case
        env.case_action.kind = A.Value("ACTION_ESCALATE")
        env.case_action.target_body = "JA-GOV"
        assert error_code(w.request(env, WAIT)) == "ERROR_FORBIDDEN"
    assert history(system, case)["body_id"] == BODY
    # On the desk socket the router picks the next rung, whatever is asked.
    desk = Desk(system, BODY)
    try:
        ans = desk.act(case, "ACTION_ESCALATE", target_body="JA-GOV", text="请上级处理")
    finally:
        desk.close()
    assert ans.WhichOneof("body") == "case_action_done", ans
    assert ans.case_action_done.event.body_id == LADDER[0]
    assert history(system, case)["body_id"] == LADDER[0]


def test_repeated_escalation_request_moves_the_case_once(system):
    case = one_case(system, "rep-1")
    first = escalate_as(system, "service.notifier", case, request_id="ntf-rep-1")
    again = escalate_as(system, "service.notifier", case, request_id="ntf-rep-1")
    assert first.WhichOneof("body") == again.WhichOneof("body") == "case_action_done"
    assert not first.case_action_done.duplicate and again.case_action_done.duplicate
    assert again.case_action_done.event.seq == first.case_action_done.event.seq
    h = history(system, case)
    assert h["body_id"] == LADDER[0]
    assert [e["kind"] for e in h["events"]].count("escalated") == 1


def test_desk_cli_streams_and_acknowledges(system):
    body = "PC-LF"
    acks = submit_at(system, "JA-DH-HB-2-01", [f"cli-{i}" for i in range(3)])
    assert all(a.placement.body_id == body for a in acks)
    ids = [a.case_id for a in acks]
    rows = system.petition("--desk", system.ep["desk"], "desk", "--body", body, "--follow",
                           "--max", "3", identity=liandong.body_identity(body))
    rows = liandong.desk_rows(rows)
    assert [r["case_id"] for r in rows] == ids
    assert all(r["delivery_seq"] > 0 and not r["copy"] for r in rows)
    # The CLI exits right after its last acknowledgement left.
    assert wait_no_pending(system, body) == 0
    assert history(system, ids[0])["state"] == "delivered"


def test_bad_escalation_requests_are_refused(system):
    case = one_case(system, "bad-1")
    before = history(system, case)
    with system.wire("router", identity="operator.admin", timeout=WAIT) as w:
        def ask(**fields):
            env = pb.Envelope()
            for k, v in fields.items():
                setattr(env.case_action, k, v)
            return error_code(w.request(env, WAIT))
        assert ask(kind=A.Value("ACTION_ESCALATE")) == "ERROR_MISSING_FIELD"
        assert ask(case_id=case, kind=A.Value("ACTION_ACCEPT")) == "ERROR_UNKNOWN_TYPE"
        # An enum value the schema does not know is out of range, refused at
        # the edge for every socket (issue 12; it was UNKNOWN_TYPE here).
        assert ask(case_id=case, kind=77) == "ERROR_BAD_REQUEST"
        assert ask(case_id="LD-NO-SUCH", kind=A.Value("ACTION_ESCALATE")) == "ERROR_NOT_FOUND"
        assert ask(case_id=case, kind=A.Value("ACTION_DISPATCH")) == "ERROR_MISSING_FIELD"
        assert ask(case_id=case, kind=A.Value("ACTION_DISPATCH"), target_body="NO-SUCH-BODY") \
            == "ERROR_NOT_FOUND"
        assert ask(case_id="x" * 5000, kind=A.Value("ACTION_ESCALATE")) == "ERROR_BAD_REQUEST"
    # A front-end's key may submit demands, not move cases.
    assert error_code(escalate_as(system, "frontend.hotline", case)) == "ERROR_FORBIDDEN"
    # Only the dispatch centre (or an operator) dispatches.
    r = system.petition("dispatch", case, "--to", "JA-GOV", json=False, check=False,
                        identity=liandong.body_identity(BODY))
    assert r.returncode != 0
    after = history(system, case)
    assert after["events"] == before["events"] and after["body_id"] == BODY
    assert system.wire("router").ping(WAIT) is not None


def test_desk_cli_comes_back_after_router_restart(system):
    body = "PC-ZY"
    argv = [os.path.join(liandong.BIN, "petition"), "--router", system.ep["router"],
            "--ledger", system.ep["ledger"], "--desk", system.ep["desk"],
            "--identity", liandong.body_identity(body),
            "desk", "--body", body, "--follow", "--max", "4", "--json"]
    cli = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=system.env,
                           cwd=liandong.ROOT)
    try:
        first = submit_at(system, "JA-DH-HB-2-02", ["back-0", "back-1"])
        assert wait_no_pending(system, body) == 0, "the CLI desk did not take the first cases"
        restart_router(system)
        second = submit_at(system, "JA-DH-HB-2-02", ["back-2", "back-3"])
        # Its heartbeat (every 10 s) re-attaches it to the new router.
        out, err = cli.communicate(timeout=WAIT + 30)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.communicate()
    assert cli.returncode == 0, err.decode()
    rows = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    assert [r["case_id"] for r in rows] == [a.case_id for a in first + second]
    assert wait_no_pending(system, body) == 0


def test_department_retry_with_same_request_id_is_a_duplicate(system):
    """A department that resends an action under the same request id (its
    answer was lost) gets the first answer marked duplicate, not "illegal
    transition"; its ids are its own (another body's equal id, or an
    operator's forged derived id, reaches nothing); bad ids are refused."""
    case = one_case(system, "retry-1")
    desk = Desk(system, BODY)
    try:
        desk.until(1)
        wait_no_pending(system, BODY)
        base = len(history(system, case)["events"])

        def act(kind, rid, d=desk, **fields):
            env = pb.Envelope()
            env.request_id = rid
            env.case_action.case_id = case
            env.case_action.kind = A.Value(kind)
            for k, v in fields.items():
                setattr(env.case_action, k, v)
            return d.request(env)

        for kind, rid, fields in (("ACTION_ACCEPT", "retry-acc-1", {}),
                                  ("ACTION_REPLY", "retry-rep-1", {"text": "已派人维修"})):
            first = act(kind, rid, **fields)
            again = act(kind, rid, **fields)
            assert first.WhichOneof("body") == "case_action_done", first
            assert again.WhichOneof("body") == "case_action_done", again
            assert not first.case_action_done.duplicate and again.case_action_done.duplicate
            assert again.case_action_done.event.seq == first.case_action_done.event.seq
            # A new request id is a new action: now refused by the state table.
            assert error_code(act(kind, rid + "-new", **fields)) == "ERROR_ILLEGAL_TRANSITION"

        # The same request id from another body is that body's own request,
        # judged afresh (refused), not the first body's answer.
        other = Desk(system, "PC-JD")
        try:
            assert error_code(act("ACTION_REPLY", "retry-rep-1", d=other, text="已派人维修")) \
                in ("ERROR_FORBIDDEN", "ERROR_ILLEGAL_TRANSITION")
        finally:
            other.close()
        # Untrusted ids: too long, a space, a control byte, non-ASCII, none
        # (an empty id cannot make a retry safe). The wire itself may refuse
        # some, answering without the id: take the next answer that is not a
        # delivery.
        for rid in ("r" * 65, "retry rep", "retry\x01", "重试-1", ""):
            env = pb.Envelope()
            env.request_id = rid
            env.case_action.case_id = case
            env.case_action.kind = A.Value("ACTION_RESOLVE")
            env.case_action.text = "修好了，已验收"
            desk.w.send_frames([env.SerializeToString()])
            ans = None
            while ans is None or ans.WhichOneof("body") == "case_delivery":
                ans = desk.w.recv(WAIT)
                assert ans is not None, f"no answer to request id {rid!r}"
            assert error_code(ans) == "ERROR_BAD_REQUEST", (rid, ans)
    finally:
        desk.close()
    # The router's namespace is closed to everyone else on the ledger.
    with system.wire("ledger") as w:
        env = pb.Envelope()
        env.request_id = f"desk:{BODY}:retry-res-1"
        env.case_action.case_id = case
        env.case_action.kind = A.Value("ACTION_RESOLVE")
        env.case_action.actor = BODY
        env.case_action.text = "冒名"
        assert error_code(w.request(env, WAIT)) == "ERROR_BAD_REQUEST"
    h = history(system, case)
    kinds = [e["kind"] for e in h["events"][base:]]
    assert kinds == ["accepted", "replied"], kinds
