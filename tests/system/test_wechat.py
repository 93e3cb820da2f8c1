"""test_wechat.py - the WeChat official account's callback (issue 13).

A real gateway (/wechat) driven by an independent WeChat server side in
Node (tests/node/wechat_client.js: requests signed as WeChat signs them,
safe-mode messages encrypted and replies decrypted by the npm package
wechat-crypto): GET verification plain and in safe mode, a text message
becoming a case (checked in the ledger's database), WeChat's three retries
answered with one case, a binding locating an address-less message, "查询",
"评价" after a desk resolved, a reply past the time budget ("success"),
and refusals (bad signatures, old, future and replayed timestamps or
nonces, oversized and malformed XML) with nothing reaching the router or
the ledger.

And the ledger's WechatResident request (services/ledger/req_wechat.c)
directly: a resident (openid) bound to a compound, the cases of their
messages, and who may ask: the front-end of channel wechat alone, and only
about wechat cases.
"""
import base64
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

import pytest

import liandong
from liandong import pb

TOKEN = "lt" + secrets.token_hex(8)
AES_KEY = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
APPID = "wx" + secrets.token_hex(8)
NODE_DIR = os.path.join(liandong.ROOT, "tests", "node")
CLIENT = os.path.join(NODE_DIR, "wechat_client.js")
HONGXIANG = "鸿翔花园"


@pytest.fixture(scope="module")
def system(request):
    """conftest's system, with the gateway's WeChat account settings."""
    sysm = liandong.System()
    conf = os.path.join(sysm.workdir, "wechat.conf")
    with open(conf, "w", encoding="ascii") as f:
        f.write(f"token = {TOKEN}\nencoding_aes_key = {AES_KEY}\nappid = {APPID}\n")
    sysm.env["LIANDONG_GATEWAY_WECHAT"] = conf
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
def node():
    """The Node client's wechat-crypto, installed from the committed lock
    file when missing (the npm registry is needed the first time only)."""
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "wechat-crypto")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                       timeout=300, capture_output=True)
    return CLIENT


def wechat(system, *requests):
    r = subprocess.run(["node", CLIENT, system.http + "/wechat", TOKEN, AES_KEY, APPID],
                       input=json.dumps(list(requests)), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def text(openid, msg_id, content, **kw):
    return dict(kind="message", **{"from": openid}, msg_id=msg_id, content=content, **kw)


def new_msg_id():
    return str(secrets.randbelow(9 * 10**17) + 10**17)


def reply_text(res):
    assert res["status"] == 200 and res["reply"] is not None, res
    assert res["reply"]["MsgType"] == "text", res
    return res["reply"]["Content"]


def db_rows(system, sql, *args):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def wechat_case(system, msg_id):
    rows = db_rows(system, "SELECT c.case_id, c.body_id, b.name, c.compound_code, c.state,"
                   " c.rating FROM cases c LEFT JOIN bodies b ON b.id = c.body_id"
                   " WHERE c.channel = 'wechat' AND c.channel_id = %s", msg_id)
    assert len(rows) <= 1
    return rows[0] if rows else None


def count_wechat(system):
    return db_rows(system, "SELECT (SELECT count(*) FROM cases WHERE channel = 'wechat'),"
                   " (SELECT count(*) FROM wechat_messages)")[0]

E = pb.ErrorCode
WAIT = 10.0
WECHAT = "frontend.wechat"


def ledger(system, identity=WECHAT, **body):
    env = pb.Envelope(request_id=liandong.new_request_id("wx"))
    for k, v in body.items():
        getattr(env, k).CopyFrom(v)
    with system.wire("ledger", identity=identity, timeout=WAIT) as c:
        ans = c.request(env)
    assert ans is not None, "no answer from the ledger"
    return ans


def resident(system, identity=WECHAT, **fields):
    return ledger(system, identity, wechat_resident=pb.WechatResident(**fields))


def info(ans):
    assert ans.WhichOneof("body") == "wechat_resident_info", ans
    return ans.wechat_resident_info


def submit(system, channel, text="3栋楼道的灯坏了", compound="", msg_id=None):
    env = pb.Envelope(request_id=liandong.new_request_id("sd"), submit_demand=pb.SubmitDemand(
        demand=pb.Demand(channel=channel, channel_id=msg_id or liandong.new_request_id("m"),
                         text=text, compound=compound)))
    with system.wire("router", identity=liandong.frontend_identity(channel),
                     timeout=WAIT) as c:
        ans = c.request(env)
    assert ans is not None and ans.WhichOneof("body") == "submit_ack", ans
    return ans.submit_ack


@pytest.mark.skipif(liandong.INSECURE, reason="the channel comes from the CURVE key")
def test_binding_persists_and_replaces(system):
    i = info(resident(system, openid="oBindResident1"))
    assert i.compound_code == "" and not i.bound_now and len(i.cases) == 0
    i = info(resident(system, openid="oBindResident1", bind_compound="鸿翔花园"))
    assert i.bound_now and i.compound_name == "鸿翔花园" and i.compound_code, i
    code = i.compound_code
    # read back by a later request (another connection): it was stored
    i = info(resident(system, openid="oBindResident1"))
    assert (i.compound_code, i.compound_name, i.bound_now) == (code, "鸿翔花园", False)
    # by code too, and a new binding replaces the old one
    with system.db() as db, db.cursor() as cur:
        cur.execute("SELECT code, name FROM units WHERE kind = 'compound' AND code <> %s"
                    " ORDER BY code LIMIT 1", (code,))
        other_code, other_name = cur.fetchone()
    i = info(resident(system, openid="oBindResident1", bind_compound=other_code))
    assert (i.compound_code, i.compound_name) == (other_code, other_name)
    # a name that is no compound: NOT_FOUND, and the binding stays
    ans = resident(system, openid="oBindResident1", bind_compound="没有这个小区")
    assert ans.error.code == E.ERROR_NOT_FOUND, ans
    assert info(resident(system, openid="oBindResident1")).compound_code == other_code
    # a street is not a compound
    with system.db() as db, db.cursor() as cur:
        cur.execute("SELECT name FROM units WHERE kind = 'street' LIMIT 1")
        street = cur.fetchone()[0]
    assert resident(system, openid="oBindResident1",
                    bind_compound=street).error.code == E.ERROR_NOT_FOUND


@pytest.mark.skipif(liandong.INSECURE, reason="the channel comes from the CURVE key")
def test_only_the_wechat_front_end(system):
    for who in ("frontend.hotline", "body.PC-YH", "operator.admin"):
        ans = resident(system, identity=who, openid="oSomeone", list_cases=True)
        assert ans.error.code == E.ERROR_FORBIDDEN, (who, ans)
    # openids are WeChat's shape; anything else is refused before SQL
    for bad in ("", "o'; DROP TABLE cases; --", "o" * 129, "开放"):
        ans = resident(system, openid=bad)
        assert ans.error.code in (E.ERROR_BAD_REQUEST, E.ERROR_MISSING_FIELD), (bad, ans)


@pytest.mark.skipif(liandong.INSECURE, reason="the channel comes from the CURVE key")
def test_cases_linked_listed_and_owned(system):
    # the message is linked before its demand is submitted (the gateway
    # does so: a case committed after WeChat's deadline is still theirs)
    info(resident(system, openid="oCaseResident1", link_msg_id="710000000000001"))
    ack = submit(system, "wechat", compound="JA-DH-CZ-1-01", msg_id="710000000000001")
    i = info(resident(system, openid="oCaseResident1", case_id=ack.case_id))
    assert [c.record.case_id for c in i.cases] == [ack.case_id]
    c = i.cases[0]
    assert c.record.channel == "wechat" and c.record.body_id == ack.placement.body_id
    assert c.body_name, c  # the holder's name from the registry
    assert c.record.reply_due_ms > 0 and c.last_reply == ""
    # the same link again (WeChat's retry) changes nothing; another
    # resident cannot claim the message
    info(resident(system, openid="oCaseResident1", link_msg_id="710000000000001"))
    i = info(resident(system, openid="oCaseResident2", link_msg_id="710000000000001",
                      case_id=ack.case_id, list_cases=True))
    assert len(i.cases) == 0, i
    # a hotline case with the same channel id is not a WeChat resident's
    info(resident(system, openid="oCaseResident1", link_msg_id="710000000000002"))
    hot = submit(system, "hotline", compound="JA-DH-CZ-1-01", msg_id="710000000000002")
    i = info(resident(system, openid="oCaseResident1", case_id=hot.case_id, list_cases=True))
    assert [c.record.case_id for c in i.cases] == [ack.case_id]
    # the body's reply is the last reply
    system.petition("reply", ack.case_id, "--body", ack.placement.body_id, "--text",
                    "已派电工维修", json=False, identity=liandong.body_identity(
                        ack.placement.body_id))
    info(resident(system, openid="oCaseResident1", link_msg_id="710000000000003"))
    second = submit(system, "wechat", text="5栋门口的路灯不亮", compound="JA-DH-CZ-1-01",
                    msg_id="710000000000003")
    i = info(resident(system, openid="oCaseResident1", list_cases=True))
    assert [c.record.case_id for c in i.cases] == [second.case_id, ack.case_id]
    assert i.cases[1].last_reply == "已派电工维修" and i.cases[1].record.state == "replied"
    # ownership of one case: theirs first, nothing for someone else's
    i = info(resident(system, openid="oCaseResident1", case_id=ack.case_id))
    assert [c.record.case_id for c in i.cases] == [ack.case_id]
    assert len(info(resident(system, openid="oCaseResident2", case_id=ack.case_id)).cases) == 0
    with system.db() as db, db.cursor() as cur:
        cur.execute("SELECT openid FROM wechat_messages WHERE msg_id = '710000000000001'")
        assert cur.fetchall() == [("oCaseResident1",)]


# ---------------------------------------------------------------- the gateway

def test_verification_plain_and_safe_mode(system, node):
    plain, aes, bad = wechat(system, dict(kind="verify", echostr="5837397520285719"),
                             dict(kind="verify", aes=True, echostr="8841025"),
                             dict(kind="verify", echostr="77", signature="0" * 40))
    assert (plain["status"], plain["body"]) == (200, "5837397520285719"), plain
    assert (aes["status"], aes["body"]) == (200, "8841025"), aes
    assert bad["status"] == 403 and "77" not in bad["body"], bad


@pytest.mark.parametrize("aes", [False, True], ids=["plain", "safe_mode"])
def test_text_message_becomes_a_case(system, node, aes):
    msg_id = new_msg_id()
    res, = wechat(system, text("oTextResident", msg_id, "鸿翔花园3栋楼道的灯坏了，晚上很黑",
                               aes=aes, to="gh_liandong"))
    content = reply_text(res)
    case = wechat_case(system, msg_id)
    assert case is not None, "no case in the ledger"
    case_id, body_id, body_name, compound, _, _ = case
    assert case_id in content and body_name in content and "答复期限" in content, content
    assert compound, case  # located by the name in the text
    assert res["reply"]["ToUserName"] == "oTextResident"
    assert res["reply"]["FromUserName"] == "gh_liandong"
    if aes:
        assert res["reply_signature_ok"] is True and res["reply_appid"] == APPID, res
        assert "<Encrypt>" in res["body"] and case_id not in res["body"]
    # the message is the resident's
    assert db_rows(system, "SELECT openid FROM wechat_messages WHERE msg_id = %s",
                   msg_id) == [("oTextResident",)]


def test_three_retries_answer_one_case(system, node):
    msg_id = new_msg_id()
    # WeChat's first try and its three retries: each freshly signed
    results = wechat(system, *[text("oRetryResident", msg_id, "小区门口的路灯坏了好几天")
                               for _ in range(4)])
    case_id = wechat_case(system, msg_id)[0]
    for r in results:
        assert case_id in reply_text(r), r
    assert db_rows(system, "SELECT count(*) FROM cases WHERE channel = 'wechat'"
                   " AND channel_id = %s", msg_id) == [(1,)]


def test_binding_locates_an_address_less_message(system, node):
    code = db_rows(system, "SELECT code FROM units WHERE kind = 'compound' AND name = %s",
                   HONGXIANG)[0][0]
    before, bound, after = new_msg_id(), new_msg_id(), new_msg_id()
    res = wechat(system, text("oBindingResident", before, "楼道的灯坏了"),
                 text("oBindingResident", bound, "绑定 " + HONGXIANG),
                 text("oBindingResident", after, "楼道的灯坏了"))
    reply_text(res[0])
    assert wechat_case(system, before)[3] == "", "located without a binding?"
    assert "已绑定" in reply_text(res[1]) and HONGXIANG in reply_text(res[1]), res[1]
    assert wechat_case(system, bound) is None, "a binding became a case"
    assert wechat_case(system, after)[3] == code
    assert db_rows(system, "SELECT compound_code FROM wechat_bindings WHERE openid = %s",
                   "oBindingResident") == [(code,)]
    # a menu click binds too; a name that is no compound does not
    res = wechat(system, dict(kind="message", **{"from": "oMenuResident"}, type="event",
                              event="CLICK", event_key="BIND_" + code),
                 text("oMenuResident", new_msg_id(), "绑定 没有这个小区"))
    assert "已绑定" in reply_text(res[0]), res[0]
    assert "没有找到" in reply_text(res[1]), res[1]
    assert db_rows(system, "SELECT compound_code FROM wechat_bindings WHERE openid = %s",
                   "oMenuResident") == [(code,)]


def test_query_and_rating_after_a_desk_resolves(system, node):
    msg_id, other_id = new_msg_id(), new_msg_id()
    res = wechat(system, text("oRatingResident", msg_id, "鸿翔花园3栋电梯坏了，老人下不了楼"),
                 text("oRatingResident", other_id, "鸿翔花园5栋楼道灯不亮"))
    case_id, body_id = wechat_case(system, msg_id)[:2]
    other_case = wechat_case(system, other_id)[0]
    early, = wechat(system, text("oRatingResident", new_msg_id(), f"评价 满意 {case_id}"))
    assert "不能评价" in reply_text(early), early
    desk = liandong.body_identity(body_id)
    system.petition("reply", case_id, "--body", body_id, "--text", "已联系电梯维保单位",
                    json=False, identity=desk)
    system.petition("resolve", case_id, "--body", body_id, "--text", "电梯已修好，恢复运行",
                    json=False, identity=desk)
    listed, stranger, rated, again = wechat(
        system, text("oRatingResident", new_msg_id(), "查询"),
        text("oStranger", new_msg_id(), f"评价 不满意 {case_id}"),
        text("oRatingResident", new_msg_id(), f"评价　满意　{case_id}"),
        text("oRatingResident", new_msg_id(), f"评价 不满意 {case_id}"))
    lines = reply_text(listed)
    assert case_id in lines and other_case in lines, lines
    line = next(x for x in lines.splitlines() if case_id in x)
    assert "已办结" in line and "电梯已修好，恢复运行" in line, lines
    assert "没有找到您的诉求" in reply_text(stranger), stranger
    assert "感谢评价" in reply_text(rated), rated
    assert "不能评价" in reply_text(again), again
    assert wechat_case(system, msg_id)[4:] == ("closed", "satisfied")
    # who rated: the WeChat front-end on behalf of a resident of the
    # account, recorded without the openid itself
    actors = db_rows(system, "SELECT actor, on_behalf_of FROM case_events WHERE case_id = %s"
                     " AND kind = 'rated'", case_id)
    assert len(actors) == 1 and actors[0][0] == "frontend:wechat", actors
    assert actors[0][1].startswith("resident:wechat-"), actors
    assert "oRatingResident" not in actors[0][1]
    # "查询" no longer lists the closed case
    listed, = wechat(system, text("oRatingResident", new_msg_id(), "查询"))
    assert case_id not in reply_text(listed) and other_case in reply_text(listed)


def test_refusals_reach_nothing(system, node):
    now = int(time.time())
    before = count_wechat(system)
    nonce = "4242424242"
    first, *refused = wechat(
        system,
        text("oReplay", new_msg_id(), "楼道的灯坏了", nonce=nonce),
        # the same nonce again, a different message: a replay
        text("oReplay", new_msg_id(), "楼道的灯坏了", nonce=nonce),
        text("oBad", new_msg_id(), "楼道的灯坏了", signature="0" * 40),
        text("oBad", new_msg_id(), "楼道的灯坏了", signature=""),
        text("oOld", new_msg_id(), "楼道的灯坏了", timestamp=now - 301),
        text("oOld", new_msg_id(), "楼道的灯坏了", timestamp=now - 86400),
        text("oFuture", new_msg_id(), "楼道的灯坏了", timestamp=now + 600),
        text("oAes", new_msg_id(), "楼道的灯坏了", aes=True, msg_signature="1" * 40),
        text("oAes", new_msg_id(), "楼道的灯坏了", aes=True, appid="wx0000000000000000"),
        dict(kind="message", body="<xml><Content>unclosed</xml>"),
        dict(kind="message", body="not xml at all"),
        dict(kind="message", body='<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
             '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
             '<xml><ToUserName>a</ToUserName><FromUserName>oX</FromUserName>'
             '<MsgType>text</MsgType><Content>&lol2;</Content><MsgId>1</MsgId></xml>'),
        dict(kind="message", body="<xml><FromUserName>oBig</FromUserName><Content>"
             + "灯" * 30000 + "</Content><MsgId>99</MsgId></xml>"),
        dict(kind="message", body="<xml>" + "<a>" * 100 + "</a>" * 100 + "</xml>"))
    reply_text(first)
    statuses = [r["status"] for r in refused]
    assert statuses == [403, 403, 403, 403, 403, 403, 403, 400, 400, 400, 400, 413, 400], statuses
    for r in refused:
        assert "success" not in r["body"] and r["reply"] is None, r
    # the one valid message only: nothing else reached the router or the ledger
    after = count_wechat(system)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1), (before, after)
    # refused and logged (at a bounded rate)
    with open(os.path.join(system.log_dir, "gateway.log"), encoding="utf-8") as f:
        log = f.read()
    for why in ("bad signature", "nonce already seen", "outside the replay window",
                "bad msg_signature", "malformed", "a DOCTYPE", "over 65536",
                "nested deeper", "does not decrypt"):
        assert why in log, why


def test_past_the_budget_success_then_the_retry_finds_the_case(system, node):
    msg_id = new_msg_id()
    router = system.services["router"].proc
    router.send_signal(signal.SIGSTOP)
    try:
        res, = wechat(system, text("oSlowResident", msg_id, "鸿翔花园2栋水管爆了"))
    finally:
        router.send_signal(signal.SIGCONT)
    # within WeChat's 5 seconds (the request's own time), WeChat's "no reply"
    assert res["status"] == 200 and res["body"] == "success", res
    assert 3500 <= res["elapsed_ms"] < 5000, res
    # WeChat's retry (or a later one) answers with the case, and it is theirs
    deadline = time.monotonic() + 20
    while True:
        res, = wechat(system, text("oSlowResident", msg_id, "鸿翔花园2栋水管爆了"))
        if res["reply"] is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    case_id = wechat_case(system, msg_id)[0]
    assert case_id in reply_text(res), res
    listed, = wechat(system, text("oSlowResident", new_msg_id(), "查询"))
    assert case_id in reply_text(listed)


def test_openids_are_kept_from_the_reports_role(system):
    import psycopg2

    def conninfo(who):
        return subprocess.run(["bash", liandong.PG_SH, "conninfo", system.pg_dir,
                               str(system.pg_port), who], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    # pg.sh grants the reports role again on every start: as it does
    su = psycopg2.connect(conninfo("super").replace("dbname=postgres", "dbname=liandong"))
    su.autocommit = True
    su.cursor().execute("SELECT ld_grant_report()")
    su.close()
    conn = psycopg2.connect(conninfo("report"))
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM units")  # reports still read the rest
    cur.execute("SELECT case_id, state FROM cases LIMIT 1")
    for sql in ("SELECT * FROM wechat_bindings", "SELECT * FROM wechat_messages",
                # what earlier migrations hide stays hidden (013, the gateway's 015)
                "SELECT resident_phone FROM cases", "SELECT resident_name FROM cases"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(sql)
    cur.execute("SELECT to_regclass('case_extras') IS NOT NULL")
    if cur.fetchone()[0]:
        cur.execute("SELECT case_id, media_url FROM case_extras LIMIT 1")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT resident_email FROM case_extras")
    conn.close()
