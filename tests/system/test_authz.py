"""test_authz.py - who may send what (issue 11, lib/authz.h, docs/roles.md).

The matrix: every request each socket serves (ledger, router front door,
router desk socket) x every role's key, plus a key of no known role and a
key revoked while its connections were open, answered FORBIDDEN or not
exactly as EXPECTED below says. EXPECTED is written here, independently of
the C table, and compared cell by cell: any cell that changes fails the
test, with every changed cell listed.

Also: registry imports (administrators only, refused when they would empty
the registry or leave a compound without a responsible body, recorded and
shown by `petition registry history`), a front-end bound to its channel
(frontend.hotline cannot squat a WeChat id), revocation without a restart,
the person behind every action (an operator replying for a body, a staff
person of a body), scoped reads, the streams, and the refusals counted in
/metrics.

Keys the matrix needs beyond `petition keys bootstrap` are written here with
pyzmq (the format of lib/curve.h), so the test runs against a build that
knows no such roles and fails there cell by cell.
"""
import json
import os
import re
import time
import urllib.request

import pytest

import liandong
from liandong import pb

E = pb.ErrorCode
A = pb.CaseActionKind
WAIT = 10.0

STAFF = "staff.zhang@PC-YH"
UNKNOWN_ROLE = "nobody.x"
REVOKED = "operator.gone"

# The principals of the matrix, one per role (two services: only the
# router creates cases).
PRINCIPALS = ["service.router", "service.notifier", "frontend.hotline", "body.PC-YH", STAFF,
              "operator.admin", "admin.root", UNKNOWN_ROLE, "revoked"]
KNOWN = {"service.router", "service.notifier", "frontend.hotline", "body.PC-YH", STAFF,
         "operator.admin", "admin.root"}
SERVICES = {"service.router", "service.notifier"}
CASE_READERS = SERVICES | {"frontend.hotline", "body.PC-YH", STAFF, "operator.admin"}
FIGURES = SERVICES | {"operator.admin", "admin.root"}

# socket -> request -> the principals that may send it (everyone else:
# FORBIDDEN). Issue 11: CreateCase from the router only; the registry changed
# by administrators only; figures for operators, administrators and
# services; cases read within scope by bodies, staff, front-ends,
# operators and services; only front-ends submit; desks for bodies.
EXPECTED = {
    "ledger": {
        "ping": KNOWN,
        "create_case": {"service.router"},
        "case_action": CASE_READERS,
        "list_cases": CASE_READERS,
        "get_case": CASE_READERS,
        "rates_query": FIGURES,
        "ranking_query": FIGURES,
        "overdue_query": FIGURES,
        "registry_import": {"admin.root"},
        "registry_get": FIGURES,
        "registry_history": {"operator.admin", "admin.root"},
        "pending_deliveries": SERVICES,
        "list_deadlines": SERVICES,
        "record_alert": SERVICES,
        # issue 13: a front-end's own channel; services and operators name one
        "channel_cases_query": SERVICES | {"frontend.hotline", "operator.admin"},
        "channel_updates_query": SERVICES | {"frontend.hotline", "operator.admin"},
        "case_comment": {"frontend.hotline", "operator.admin"},
        # the wechat front-end's alone (frontend.hotline is refused by its
        # channel; test_wechat.py shows frontend.wechat allowed)
        "wechat_resident": set(),
        "search_cases": SERVICES | {"operator.admin"},
        "case_departure": {"body.PC-YH", STAFF},
        "repeat_candidates": SERVICES,
        "join_case": {"service.router"},
        "unlink_reporter": {"operator.admin"},
        "case_follow_up": {"frontend.hotline"},
        "link_reporter": {"operator.admin"},
        # issue 17: which notifier fires (a lease other than "notifier" here)
        "lease": SERVICES,
    },
    "router": {
        "ping": KNOWN,
        "submit_demand": {"frontend.hotline"},
        # a staff person escalates its own body's cases as the desk may
        # (ROUTING.md section 10; issue 11's leftover)
        "case_action": SERVICES | {"body.PC-YH", STAFF, "operator.admin"},
    },
    "desk": {
        "ping": KNOWN,
        "desk_attach": {"body.PC-YH"},
        "case_action": {"body.PC-YH", STAFF},
    },
}


def write_key(keys_dir, identity):
    """A key pair in lib/curve.h's format, unless one exists."""
    import zmq
    path = os.path.join(keys_dir, identity)
    if os.path.exists(path + ".key"):
        return
    public, secret = zmq.curve_keypair()
    with open(path + ".key", "w", encoding="ascii") as f:
        f.write(f"public={public.decode()}\nsecret={secret.decode()}\n")
    os.chmod(path + ".key", 0o600)
    with open(path + ".pub", "w", encoding="ascii") as f:
        f.write(f"public={public.decode()}\n")


EXTRA_KEYS = ("admin.root", STAFF, UNKNOWN_ROLE, REVOKED, "staff.li@PC-JD")


@pytest.fixture(scope="module")
def system(request):
    """conftest's system, with the matrix's extra keys in the directory
    before the services start (so that a build whose services read keys
    only at start-up is tested on the table, not on its key loading;
    test_revocation_without_restart tests that)."""
    import shutil
    import sys
    sysm = liandong.System()
    if not liandong.INSECURE:
        os.makedirs(sysm.keys_dir, mode=0o700, exist_ok=True)
        for identity in EXTRA_KEYS:
            write_key(sysm.keys_dir, identity)
    sysm.start()
    request.node._liandong_system = sysm
    yield sysm
    failed = True
    try:
        sysm.stop(check=True)
        failed = getattr(request.node, "_liandong_failed", False)
    finally:
        if failed or os.environ.get("LIANDONG_KEEP"):
            print(f"\nliandong: kept {sysm.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(sysm.workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def keys(system):
    return system.keys_dir


def envelope(**body):
    env = pb.Envelope(request_id=liandong.new_request_id("az"))
    for k, v in body.items():
        getattr(env, k).CopyFrom(v)
    return env


def demand(channel, channel_id, text="3栋楼道的灯坏了", compound="JA-DH-CZ-1-01"):
    return pb.Demand(channel=channel, channel_id=channel_id, text=text, address="鸿翔花园3栋",
                     compound=compound, resident_name="张三", resident_phone="13800001234")


def request(socket, kind):
    """A request of `kind` for `socket` that an allowed key gets an answer
    other than FORBIDDEN to (a case that does not exist: NOT_FOUND)."""
    nocase = "LD-00000000-NOCASE"
    if kind == "ping":
        return envelope(ping=pb.Ping())
    if kind == "case_action":
        k = A.ACTION_ESCALATE if socket == "router" else A.ACTION_ACCEPT
        return envelope(case_action=pb.CaseAction(case_id=nocase, kind=k, text="x"))
    if socket == "ledger":
        return {
            "create_case": lambda: envelope(create_case=pb.CreateCase(
                demand=demand("hotline", liandong.new_request_id("cc")),
                placement=pb.Placement(category="facility_repair", tier="compound",
                                       body_id="PC-YH", body_kind="property_company",
                                       compound_code="JA-DH-CZ-1-01"))),
            "list_cases": lambda: envelope(list_cases=pb.ListCases()),
            "get_case": lambda: envelope(get_case=pb.GetCase(case_id=nocase)),
            "rates_query": lambda: envelope(rates_query=pb.RatesQuery(by="body")),
            "ranking_query": lambda: envelope(ranking_query=pb.RankingQuery(
                period=time.strftime("%Y-%m", time.gmtime()))),
            "overdue_query": lambda: envelope(overdue_query=pb.OverdueQuery()),
            "registry_import": lambda: envelope(registry_import=pb.RegistryImport(
                json=open(liandong.REGISTRY, encoding="utf-8").read())),
            "registry_get": lambda: envelope(registry_get=pb.RegistryGet()),
            "registry_history": lambda: envelope(registry_history=pb.RegistryHistory()),
            "pending_deliveries": lambda: envelope(pending_deliveries=pb.PendingDeliveries(
                body_id="PC-YH")),
            "list_deadlines": lambda: envelope(list_deadlines=pb.ListDeadlines()),
            "search_cases": lambda: envelope(search_cases=pb.SearchCases(phone="13800000000")),
            "case_departure": lambda: envelope(case_departure=pb.CaseDeparture(case_id=nocase)),
            "record_alert": lambda: envelope(record_alert=pb.RecordAlert(
                case_id=nocase, deadline="reply", stage="due_soon", due_ms=1, body_id="PC-YH",
                at_ms=1)),
            "channel_cases_query": lambda: envelope(channel_cases_query=pb.ChannelCasesQuery(
                channel="hotline")),
            "channel_updates_query": lambda: envelope(
                channel_updates_query=pb.ChannelUpdatesQuery(channel="hotline")),
            "case_comment": lambda: envelope(case_comment=pb.CaseComment(
                case_id=nocase, text="x", idempotency_key="k")),
            "wechat_resident": lambda: envelope(wechat_resident=pb.WechatResident(
                openid="oMatrixResident", list_cases=True)),
            "repeat_candidates": lambda: envelope(repeat_candidates=pb.RepeatCandidates(
                compound_code="JA-DH-CZ-1-01", category="facility_repair", window_hours=1)),
            "join_case": lambda: envelope(join_case=pb.JoinCase(
                case_id=nocase, demand=demand("hotline", liandong.new_request_id("jc")))),
            "unlink_reporter": lambda: envelope(unlink_reporter=pb.UnlinkReporter(
                case_id=nocase, channel="hotline", channel_id="x")),
            "case_follow_up": lambda: envelope(case_follow_up=pb.CaseFollowUp(
                case_id=nocase, channel_id="x", text="more")),
            "link_reporter": lambda: envelope(link_reporter=pb.LinkReporter(
                case_id=nocase, channel="hotline", channel_id="x")),
            "lease": lambda: envelope(lease=pb.Lease(name="matrix", holder="x", ttl_ms=1000)),
        }[kind]()
    if kind == "submit_demand":
        return envelope(submit_demand=pb.SubmitDemand(
            demand=demand("hotline", liandong.new_request_id("sd"))))
    if kind == "desk_attach":
        return envelope(desk_attach=pb.DeskAttach())
    raise AssertionError(kind)


def client(system, socket, identity):
    return system.wire(socket, identity=identity, timeout=WAIT)


def verdict(ans):
    if ans is None:
        return "no answer"
    if ans.WhichOneof("body") == "error" and ans.error.code == E.ERROR_FORBIDDEN:
        return "FORBIDDEN"
    return "allowed"


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_matrix(system, keys):
    # The revoked key: connected (and answered) on every socket first, then
    # revoked; its open connections must be refused from then on.
    revoked = {s: client(system, s, REVOKED) for s in EXPECTED}
    changed = [f"{s}: {REVOKED} could not connect before it was revoked"
               for s, c in revoked.items() if c.ping(WAIT) is None]
    r = system.petition("keys", "revoke", "--role", "operator", "--id", "gone", json=False,
                        check=False)
    if r.returncode != 0:  # a CLI that cannot revoke: remove the key by hand
        os.remove(os.path.join(keys, REVOKED + ".pub"))
    time.sleep(1.5)
    try:
        for socket, requests in EXPECTED.items():
            for who in PRINCIPALS:
                c = revoked[socket] if who == "revoked" else client(system, socket, who)
                try:
                    for kind, allowed in requests.items():
                        want = "allowed" if who in allowed else "FORBIDDEN"
                        try:
                            env = request(socket, kind)
                        except AttributeError:  # a build without this request
                            changed.append(f"{socket}/{kind}: not in this build's protocol")
                            continue
                        ans = c.request(env)
                        got = verdict(ans)
                        if got != want:
                            changed.append(f"{socket}/{kind} by {who}: want {want}, got {got}"
                                           + (f" ({ans.error.message})" if got != "no answer"
                                              and ans.WhichOneof("body") == "error" else ""))
                finally:
                    if who != "revoked":
                        c.close()
    finally:
        for c in revoked.values():
            c.close()
    assert not changed, f"{len(changed)} cells differ:\n" + "\n".join(changed)


def ledger_call(system, identity, **body):
    with client(system, "ledger", identity) as c:
        ans = c.request(envelope(**body))
    assert ans is not None, f"no answer from the ledger to {identity}"
    return ans


def error_code(ans):
    return ans.error.code if ans.WhichOneof("body") == "error" else None


def write_registry(tmp_path, name, reg):
    path = tmp_path / name
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    return str(path)


def current_version(system):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT max(version) FROM registry_versions")
        return cur.fetchone()[0]


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_registry_import_refusals_and_history(system, keys, tmp_path):
    reg = json.load(open(liandong.REGISTRY, encoding="utf-8"))
    before = current_version(system)
    # An operator's key may not import (the old CLI default could).
    r = system.petition("registry", "import", liandong.REGISTRY, json=False, check=False,
                        identity="operator.admin")
    assert r.returncode != 0 and "FORBIDDEN" in r.stderr.decode(), r.stderr
    # An empty registry, and one leaving a compound with nobody to answer
    # for it (its community committee and its street office removed).
    empty = dict(reg, units=[u for u in reg["units"] if u["kind"] != "compound"],
                 bodies=[b for b in reg["bodies"] if b["kind"] == "dispatch_center"])
    compound = next(u for u in reg["units"] if u["kind"] == "compound")
    community = compound["parent"]
    street = next(u for u in reg["units"] if u["code"] == community)["parent"]
    orphan = dict(reg, bodies=[b for b in reg["bodies"] if not (
        (b["kind"] == "community_committee" and community in b["units"])
        or (b["kind"] == "street_office" and street in b["units"]))])
    for name, bad, says in (("empty.json", empty, "no compound"),
                            ("orphan.json", orphan, compound["code"])):
        r = system.petition("registry", "import", write_registry(tmp_path, name, bad),
                            json=False, check=False, identity="admin.root")
        err = r.stderr.decode()
        assert r.returncode != 0 and "CONFLICT" in err and says in err, (name, err)
    assert current_version(system) == before, "a refused registry was stored"
    # A compound that loses its community committee but keeps its street
    # office is still answered for (the ladder's next rung): accepted.
    served = {u for b in reg["bodies"] if b["kind"] == "property_company" for u in b["units"]}
    unserved = next(u["code"] for u in reg["units"]
                    if u["kind"] == "compound" and u["code"] not in served)
    changed = dict(reg, bodies=[b for b in reg["bodies"] if not (
        b["kind"] == "community_committee" and community in b["units"])]
        + [{"id": "PC-NEW", "kind": "property_company", "name": "新物业",
            "units": [unserved]}])
    removed = len(reg["bodies"]) + 1 - len(changed["bodies"])
    system.petition("registry", "import", write_registry(tmp_path, "changed.json", changed),
                    json=False, identity="admin.root")
    rows = system.petition("registry", "history", "--limit", "5", identity="operator.admin")
    rows = [rows] if isinstance(rows, dict) else rows
    top = rows[0]
    assert top["version"] == current_version(system) and top["actor"] == "admin:root", top
    assert (top["bodies_added"], top["bodies_removed"]) == (1, removed), top
    assert (top["units_added"], top["units_removed"]) == (0, 0), top
    assert top["units"] == len(reg["units"]) and top["bodies"] == len(changed["bodies"]), top
    # Put the sample back for the other tests.
    system.petition("registry", "import", liandong.REGISTRY, json=False, identity="admin.root")
    text = system.petition("registry", "history", json=False, identity="admin.root").stdout
    assert b"admin:root" in text, text


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_frontend_cannot_squat_another_channel(system, keys):
    wid = liandong.new_request_id("WX")
    with client(system, "router", "frontend.hotline") as c:
        ans = c.request(envelope(submit_demand=pb.SubmitDemand(
            demand=demand("wechat", wid, text="占位"))))
    assert error_code(ans) == E.ERROR_FORBIDDEN, ans
    real = "5栋电梯坏了，困人了"
    with client(system, "router", "frontend.wechat") as c:
        ans = c.request(envelope(submit_demand=pb.SubmitDemand(demand=demand("wechat", wid,
                                                                             text=real))))
    assert ans.WhichOneof("body") == "submit_ack" and not ans.submit_ack.duplicate, ans
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT text FROM cases WHERE channel = 'wechat' AND channel_id = %s", (wid,))
        assert cur.fetchall() == [(real,)]
    # A body's key submits nothing on the front door.
    with client(system, "router", "body.PC-YH") as c:
        ans = c.request(envelope(submit_demand=pb.SubmitDemand(
            demand=demand("hotline", liandong.new_request_id("B")))))
    assert error_code(ans) == E.ERROR_FORBIDDEN, ans


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_revocation_without_restart(system, keys):
    write_key(keys, "operator.temp")
    time.sleep(1.5)
    pids = {n: s.proc.pid for n, s in system.services.items()}
    with client(system, "ledger", "operator.temp") as c:
        assert c.ping(WAIT) is not None, "a new key is taken without a restart"
        system.petition("keys", "revoke", "--role", "operator", "--id", "temp", json=False)
        assert not os.path.exists(os.path.join(keys, "operator.temp.pub"))
        time.sleep(1.5)
        # The open connection: refused from now on.
        ans = c.request(envelope(list_cases=pb.ListCases()))
        assert error_code(ans) == E.ERROR_FORBIDDEN and "revoked" in ans.error.message, ans
    # A new connection with the revoked key: CURVE refuses it (no answer).
    with liandong.WireClient(system.ep["ledger"], timeout=2.0, curve=(
            liandong.load_key(os.path.join(keys, "revoked"), next(
                f[:-4] for f in os.listdir(os.path.join(keys, "revoked"))
                if f.startswith("operator.temp.") and f.endswith(".key"))),
            liandong.load_key(keys, "service.ledger", public_only=True)["public"])) as c:
        assert c.ping(2.0) is None
    assert {n: s.proc.pid for n, s in system.services.items()} == pids, "a service restarted"
    system.assert_alive()


def submit(system, channel, text="3栋楼道的灯坏了", compound="JA-DH-CZ-1-01"):
    return liandong.submit_answer(system.petition(*liandong.submit_args(
        channel, liandong.new_request_id("P"), text, compound=compound),
        identity=liandong.frontend_identity(channel)))


def events(system, case_id, identity="operator.admin"):
    ans = ledger_call(system, identity, get_case=pb.GetCase(case_id=case_id))
    assert ans.WhichOneof("body") == "case_detail", ans
    return ans.case_detail.events


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_a_person_behind_every_action(system, keys):
    case = submit(system, "hotline")
    body = case["body_id"]
    assert body == "PC-YH", case
    # An operator replying for the body: the operator, on the body's behalf.
    system.petition("reply", case["case_id"], "--body", body, "--text", "已派电工维修",
                    json=False, identity="operator.admin")
    ev = [e for e in events(system, case["case_id"]) if e.kind == "replied"]
    assert [(e.actor, e.on_behalf_of) for e in ev] == [("operator:admin", body)], ev
    detail = system.petition("case", case["case_id"])
    replied = [e for e in detail["events"] if e["kind"] == "replied"]
    assert replied and replied[0]["on_behalf_of"] == body, detail
    # A staff person of the body, through the desk socket: that person,
    # for the body.
    case2 = submit(system, "hotline")
    with client(system, "desk", STAFF) as c:
        ans = c.request(envelope(case_action=pb.CaseAction(case_id=case2["case_id"],
                                                           kind=A.ACTION_ACCEPT)))
    assert ans.WhichOneof("body") == "case_action_done", ans
    e = ans.case_action_done.event
    assert (e.actor, e.on_behalf_of) == ("staff:zhang@PC-YH", body), e
    # The body's own desk acts as itself: no one else to name.
    with client(system, "desk", "body.PC-YH") as c:
        ans = c.request(envelope(case_action=pb.CaseAction(case_id=case2["case_id"],
                                                           kind=A.ACTION_REPLY, text="好的，马上派人")))
    assert ans.WhichOneof("body") == "case_action_done", ans
    assert (ans.case_action_done.event.actor, ans.case_action_done.event.on_behalf_of) == \
        (body, "")
    # A staff person of another body acts for nobody here.
    with client(system, "desk", "staff.li@PC-JD") as c:
        ans = c.request(envelope(case_action=pb.CaseAction(case_id=case2["case_id"],
                                                           kind=A.ACTION_RESOLVE, text="已经修好了")))
    assert error_code(ans) == E.ERROR_FORBIDDEN, ans
    # Stored as such in the history.
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT actor, on_behalf_of FROM case_events WHERE case_id = %s"
                    " AND kind = 'accepted'", (case2["case_id"],))
        assert cur.fetchall() == [("staff:zhang@PC-YH", body)]


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_reads_are_scoped(system, keys):
    mine = submit(system, "hotline")
    other = submit(system, "hotline", text="小区停车位不够，车乱停", compound="JA-DH-CZ-2-01")
    assert mine["body_id"] == "PC-YH" and other["body_id"] != "PC-YH", (mine, other)
    # A body reads its own cases, not another's, and lists only its own.
    assert ledger_call(system, "body.PC-YH", get_case=pb.GetCase(
        case_id=mine["case_id"])).WhichOneof("body") == "case_detail"
    assert error_code(ledger_call(system, "body.PC-YH", get_case=pb.GetCase(
        case_id=other["case_id"]))) == E.ERROR_FORBIDDEN
    assert error_code(ledger_call(system, "body.PC-YH", list_cases=pb.ListCases(
        body_id=other["body_id"]))) == E.ERROR_FORBIDDEN
    listed = ledger_call(system, STAFF, list_cases=pb.ListCases(limit=1000)).case_list.cases
    assert listed and {c.body_id for c in listed} == {"PC-YH"}, listed
    # A front-end reads its own channel's submissions only.
    assert ledger_call(system, "frontend.hotline", get_case=pb.GetCase(
        case_id=mine["case_id"])).WhichOneof("body") == "case_detail"
    assert error_code(ledger_call(system, "frontend.wechat", get_case=pb.GetCase(
        case_id=mine["case_id"]))) == E.ERROR_FORBIDDEN
    listed = ledger_call(system, "frontend.wechat", list_cases=pb.ListCases(limit=1000))
    assert all(c.channel == "wechat" for c in listed.case_list.cases), listed
    # Operators read every case.
    assert ledger_call(system, "operator.admin", get_case=pb.GetCase(
        case_id=other["case_id"])).WhichOneof("body") == "case_detail"


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_event_stream_only_for_services_and_operators(system, keys):
    import zmq
    ctx = zmq.Context.instance()
    server = liandong.load_key(keys, "service.ledger", public_only=True)["public"]
    subs = {}
    for who in ("operator.admin", "body.PC-YH", "frontend.hotline"):
        me = liandong.load_key(keys, who)
        s = ctx.socket(zmq.SUB)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.CURVE_SECRETKEY, me["secret"])
        s.setsockopt(zmq.CURVE_PUBLICKEY, me["public"])
        s.setsockopt(zmq.CURVE_SERVERKEY, server)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(system.ep["events"])
        subs[who] = s
    try:
        time.sleep(1.0)
        submit(system, "hotline")
        got = {}
        for who, s in subs.items():
            got[who] = bool(s.poll(3000 if who == "operator.admin" else 1000))
        assert got == {"operator.admin": True, "body.PC-YH": False,
                       "frontend.hotline": False}, got
    finally:
        for s in subs.values():
            s.close(0)


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_refusals_counted_in_metrics(system, keys):
    for _ in range(3):
        ans = ledger_call(system, "operator.admin", registry_import=pb.RegistryImport(
            json=open(liandong.REGISTRY, encoding="utf-8").read()))
        assert error_code(ans) == E.ERROR_FORBIDDEN, ans
    ans = ledger_call(system, "body.PC-YH", rates_query=pb.RatesQuery(by="body"))
    assert error_code(ans) == E.ERROR_FORBIDDEN, ans
    url = "http://" + system.ep["metrics"].removeprefix("tcp://") + "/metrics"
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    m = re.search(r'^liandong_ledger_forbidden_total\{role="operator",'
                  r'request="registry_import"\} (\d+)$', text, re.M)
    assert m and int(m.group(1)) >= 3, text[-3000:]
    assert re.search(r'^liandong_ledger_forbidden_total\{role="body",request="rates_query"\} '
                     r'[1-9]', text, re.M), text[-3000:]
    log = open(os.path.join(system.log_dir, "ledger.log"), encoding="utf-8").read()
    assert "FORBIDDEN registry_import from operator:admin" in log


@pytest.mark.skipif(liandong.INSECURE, reason="roles come from CURVE keys")
def test_staff_escalates_its_own_bodys_cases_on_the_front_door(system, keys):
    """ROUTING.md section 10: a staff person acts for their body as its desk
    may. zhang@PC-YH escalates a PC-YH case through the router's front
    socket, recorded as the person on PC-YH's behalf; li@PC-JD (another
    body's person) may not touch it. On the old code both are FORBIDDEN."""
    case = submit(system, "hotline", text="5栋楼道的灯坏了一个星期了")
    assert case["body_id"] == "PC-YH", case
    cid = case["case_id"]
    with client(system, "router", "staff.li@PC-JD") as c:
        ans = c.request(envelope(case_action=pb.CaseAction(
            case_id=cid, kind=A.ACTION_ESCALATE, text="不是我们的")))
    assert error_code(ans) == E.ERROR_FORBIDDEN, ans
    with client(system, "router", STAFF) as c:
        ans = c.request(envelope(case_action=pb.CaseAction(
            case_id=cid, kind=A.ACTION_ESCALATE, text="物业无法处理，需要居委会协调")))
    assert ans is not None and ans.WhichOneof("body") == "case_action_done", ans
    ev = [e for e in events(system, cid) if e.kind == "escalated"]
    assert len(ev) == 1 and ev[0].body_id != "PC-YH", ev
    assert (ev[0].actor, ev[0].on_behalf_of) == ("staff:zhang@PC-YH", "PC-YH"), ev[0]
    # and the case is no longer PC-YH's: a second escalation by the same
    # person is refused (it does not hold the case now)
    with client(system, "router", STAFF) as c:
        ans = c.request(envelope(case_action=pb.CaseAction(
            case_id=cid, kind=A.ACTION_ESCALATE, text="again")))
    assert error_code(ans) == E.ERROR_FORBIDDEN, ans
