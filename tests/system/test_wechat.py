"""test_wechat.py - the WeChat official account's residents (issue 13).

The ledger's WechatResident request (services/ledger/req_wechat.c): a
resident (openid) bound to a compound once and for later messages, the
cases their messages became, and who may ask: the front-end of channel
wechat alone, and only about wechat cases.
"""
import pytest

import liandong
from liandong import pb

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
