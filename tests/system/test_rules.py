"""Domain rules held once (issue 10), through the real services:

- field limits (lib/field_limits.h): a name, phone or compound code longer
  than the ledger stores is refused by the router before placing, with the
  field named, and nothing is stored; the longest allowed is stored;
- a return needs a dispatch centre of the registry: with none, the return
  is refused (by the router on the desk socket, and by the schema when a
  body goes to the ledger directly) and the case stays with its holder;
- an escalation repeated after a router restart is a duplicate at the
  ledger (a request id derived from the caller's, lib/action_rid.h), not a
  second rung.
"""
import json
import re
import time
import urllib.request

import pytest

import liandong
from liandong import pb

pytestmark = pytest.mark.skipif(liandong.INSECURE, reason="acts with body and operator keys")

BODY = "PC-YH"
COMPOUND = "JA-DH-CZ-1-01"
RUNG = "JA-DH-CZ-1-RC"
TEXT = "3栋楼道的灯坏了"
WAIT = 60.0 if "san" in liandong.BUILD else 30.0
A = pb.CaseActionKind


def demand(channel_id, **fields):
    env = pb.Envelope()
    d = env.submit_demand.demand
    d.channel, d.channel_id, d.text, d.compound = "hotline", channel_id, TEXT, COMPOUND
    d.resident_name, d.resident_phone = "张三", "13800001234"
    for k, v in fields.items():
        setattr(d, k, v)
    return env


def submit(system, env):
    with system.wire("router", timeout=WAIT) as w:
        ans = w.request(env, WAIT)
    assert ans is not None, "no answer from the router"
    return ans


def stored(system, channel_id):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases WHERE channel = 'hotline' AND channel_id = %s",
                    (channel_id,))
        return cur.fetchone()[0]


def case_row(system, case_id):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT state, body_id FROM cases WHERE case_id = %s", (case_id,))
        row = cur.fetchone()
        cur.execute("SELECT kind FROM case_events WHERE case_id = %s ORDER BY seq", (case_id,))
        return row, [k for (k,) in cur.fetchall()]


def creates_seen_by_ledger(system):
    """The ledger's count of CreateCase requests (its /metrics)."""
    url = f"http://127.0.0.1:{system.ports['metrics']}/metrics"
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode("utf-8")
    m = re.search(r'^liandong_ledger_commands_total\{type="create_case"\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


# The ledger's limits, in bytes (lib/field_limits.h).
LIMITS = {"resident_name": 256, "resident_phone": 64, "compound": 128}


@pytest.mark.parametrize("field", sorted(LIMITS))
def test_too_long_field_refused_before_placing(system, field):
    n = LIMITS[field]
    # Three-byte characters: 86 of them are 258 bytes for a 256-byte limit.
    long_value = ("张" * (n // 3 + 1)) if field == "resident_name" else "9" * (n + 1)
    assert len(long_value.encode()) > n
    cid = f"lim-{field}-long"
    creates = creates_seen_by_ledger(system)
    ans = submit(system, demand(cid, **{field: long_value}))
    assert ans.WhichOneof("body") == "error", ans
    assert pb.ErrorCode.Name(ans.error.code) == "ERROR_BAD_REQUEST", ans
    msg = ans.error.message
    assert field in msg and f"at most {n} bytes" in msg, msg
    assert stored(system, cid) == 0
    # Refused by the router before placing: the ledger never saw it.
    assert creates_seen_by_ledger(system) == creates
    # At the limit it is stored (placed and committed), and counted.
    ok_value = "9" * n if field != "resident_name" else "张" * (n // 3)
    cid = f"lim-{field}-max"
    ans = submit(system, demand(cid, **{field: ok_value}))
    assert ans.WhichOneof("body") == "submit_ack", ans
    assert stored(system, cid) == 1
    assert creates_seen_by_ledger(system) == creates + 1


def registry_version(system):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT max(version) FROM registry_versions")
        return cur.fetchone()[0]


def import_registry(system, reg, tmp_path, name):
    path = tmp_path / name
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    system.petition("registry", "import", str(path), json=False)
    want = registry_version(system)
    # The router follows the ledger's registry: wait until it has this one.
    end = time.monotonic() + WAIT
    with system.wire("router", timeout=5) as w:
        while time.monotonic() < end:
            env = pb.Envelope()
            env.ping.SetInParent()
            ans = w.request(env, 5)
            if ans is not None and ans.pong.version == want:
                return
            time.sleep(0.2)
    raise AssertionError(f"router did not load registry version {want}")


def desk_request(system, body, env):
    with system.wire("desk", identity=liandong.body_identity(body), timeout=WAIT) as w:
        return w.request(env, WAIT)


def test_return_without_dispatch_centre_refused(system, tmp_path):
    ans = submit(system, demand("ret-no-dispatch"))
    assert ans.WhichOneof("body") == "submit_ack", ans
    case = ans.submit_ack.case_id
    assert ans.submit_ack.placement.body_id == BODY
    reg = json.load(open(liandong.REGISTRY, encoding="utf-8"))
    reg["bodies"] = [b for b in reg["bodies"] if b["kind"] != "dispatch_center"]
    import_registry(system, reg, tmp_path, "no_dispatch.json")
    try:
        before = case_row(system, case)
        # Through the router's desk socket: refused with the reason.
        env = pb.Envelope()
        env.case_action.case_id = case
        env.case_action.kind = A.Value("ACTION_RETURN")
        env.case_action.reason = "territory"
        env.case_action.text = "不在我们的范围"
        ans = desk_request(system, BODY, env)
        assert ans is not None and ans.WhichOneof("body") == "error", ans
        assert pb.ErrorCode.Name(ans.error.code) == "ERROR_NOT_FOUND", ans
        assert "no dispatch centre" in ans.error.message, ans.error.message
        assert case_row(system, case) == before
        # Straight to the ledger with the body's key: the ledger refuses to
        # hand the case to a body the registry does not have (the schema's
        # trigger stands behind it).
        r = system.petition("return", case, "--body", BODY, "--reason", "territory",
                            "--text", "不在我们的范围", json=False, check=False,
                            identity=liandong.body_identity(BODY))
        assert r.returncode != 0, r.stdout
        # ... and says why (the ledger decides it before the schema would)
        said = "".join(x.decode() if isinstance(x, bytes) else (x or "") for x in (r.stdout, r.stderr))
        assert "no dispatch centre" in said, said
        after = case_row(system, case)
        assert after == before and after[0][1] == BODY, after
    finally:
        import_registry(system, json.load(open(liandong.REGISTRY, encoding="utf-8")),
                        tmp_path, "sample.json")
    # With the dispatch centre back, the same return goes through to it.
    ans = desk_request(system, BODY, env)
    assert ans is not None and ans.WhichOneof("body") == "case_action_done", ans
    assert case_row(system, case)[0] == ("returned", "JA-DISPATCH")


def restart_router(system):
    old = system.services["router"]
    assert old.stop() == 0
    system.services["router"] = liandong.Service("router", liandong.router_argv(system.ep),
                                                 system.log_dir, system.env)
    system._retry("router after restart", lambda: system.petition("ping", json=False, timeout=5))


def test_escalation_repeat_after_router_restart_is_one_escalation(system):
    ans = submit(system, demand("esc-restart"))
    assert ans.WhichOneof("body") == "submit_ack", ans
    case = ans.submit_ack.case_id
    assert ans.submit_ack.placement.body_id == BODY

    def escalate():
        env = pb.Envelope()
        env.request_id = "op-esc-restart-1"  # the same request, sent twice
        env.case_action.case_id = case
        env.case_action.kind = A.Value("ACTION_ESCALATE")
        env.case_action.text = "无人处理"
        with system.wire("router", identity="operator.admin", timeout=WAIT) as w:
            w.send(env)
            end = time.monotonic() + WAIT
            while time.monotonic() < end:
                got = w.recv(1.0)
                if got is not None and got.request_id == env.request_id:
                    return got
        raise AssertionError("no answer to the escalation")

    first = escalate()
    assert first.WhichOneof("body") == "case_action_done", first
    assert first.case_action_done.event.body_id == RUNG and not first.case_action_done.duplicate
    restart_router(system)
    second = escalate()
    assert second.WhichOneof("body") == "case_action_done", second
    assert second.case_action_done.duplicate, second
    assert second.case_action_done.event.seq == first.case_action_done.event.seq
    assert second.case_action_done.event.body_id == RUNG
    (state, holder), kinds = case_row(system, case)
    assert holder == RUNG, (state, holder, kinds)
    assert kinds.count("escalated") == 1, kinds
