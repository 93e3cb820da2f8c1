"""One case for one problem (issue 19, docs/repeats.md), end to end with
CURVE keys, the router's matching switched on (--repeat-threshold 40):

- the same problem in different words through three channels makes one
  case with three reporters; each front-end's acknowledgement names the
  case; the body gets one delivery and "received" counts one problem;
- a different problem of the same compound and category stays a case of
  its own;
- an operator's unlink restores two cases with their histories; a repeat
  the router missed is linked by hand (its case closed, "linked to") and
  unlinked again (the same case reopened);
- an emergency is never joined (it does not wait for matching);
- a front-end's retry of a joined ticket gets the same case;
- a resident's front-end adds a follow-up (text, photo URL) and withdraws,
  both in the case's history; another channel's front-end cannot.
"""
import os
import shutil
import sys
import re
import time
import urllib.request
import uuid

import pytest

import liandong
from liandong import pb

# One compound per test, so that no test's open cases are another's
# candidates (code, name).
COMPOUNDS = {
    "three": ("JA-DH-CZ-1-01", "鸿翔花园"),
    "other": ("JA-DH-CZ-1-02", "东乐花园"),
    "unlink": ("JA-DH-CZ-2-01", "金地朗悦花园"),
    "emergency": ("JA-DH-HB-1-01", "帝豪花园"),
    "follow": ("JA-DH-HB-1-02", "翠湖苑"),
    "link": ("JA-DH-HB-2-01", "罗芳南苑"),
}
LIFT = ["{}5栋的电梯停了，老人下不了楼",
        "5栋电梯又坏了，停在那里不动，我妈下不了楼",
        "{}5栋电梯停了好几个小时，下不了楼"]
OTHER_LIFT = "{}2栋电梯按钮坏了，按了没反应"   # elevator too, another problem
GAS = "{}5栋楼下燃气泄漏，闻到很浓的煤气味"


@pytest.fixture(scope="module")
def system(request):
    sysm = liandong.System()
    sysm.env["LIANDONG_REPEAT_THRESHOLD"] = "40"
    sysm.start()
    request.node._liandong_system = sysm
    yield sysm
    failed = False
    try:
        sysm.stop(check=True)
    except AssertionError:
        failed = True
        raise
    finally:
        if failed or getattr(request.node, "_liandong_failed", False) or \
                os.environ.get("LIANDONG_KEEP"):
            print(f"\nliandong: kept {sysm.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(sysm.workdir, ignore_errors=True)


def ticket(tag):
    return f"{tag}-{uuid.uuid4().hex[:10]}"


def submit(system, where, channel, channel_id, text, urgency=None):
    code, name = COMPOUNDS[where]
    args = liandong.submit_args(channel, channel_id, text.format(name), compound=code,
                                urgency=urgency)
    return liandong.submit_answer(system.petition(*args, identity=f"frontend.{channel}"))


def case(system, case_id, identity=None):
    return system.petition("case", case_id, identity=identity)


def kinds(detail):
    return [e["kind"] for e in detail["events"]]


def figure(system, key, name="received", by="body"):
    rows = {r["key"]: r for r in liandong.rate_rows(system.petition("rates", "--by", by))}
    return rows.get(key, {}).get(name, 0)


def received(system, body):
    return figure(system, body)


def deliveries(system, case_id):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM deliveries WHERE case_id = %s", (case_id,))
        return cur.fetchone()[0]


def cases_of(system, tickets):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT channel_id, case_id FROM cases WHERE channel_id = ANY(%s)",
                    (list(tickets),))
        return dict(cur.fetchall())


def test_same_problem_three_channels_one_case(system):
    ids = [ticket("hl"), ticket("wx"), ticket("mb")]
    scraped = metric_reporters(system, "PC-YH")
    before = received(system, "PC-YH")
    reporters = figure(system, "PC-YH", "reporters")
    by_channel = {c: figure(system, c, "reporters", by="channel") for c in ("wechat", "mailbox")}
    first = submit(system, "three", "hotline", ids[0], LIFT[0])
    assert first["category"] == "elevator" and first["body_id"] == "PC-YH", first
    assert first["joined_case_id"] == "", first
    sent = deliveries(system, first["case_id"])
    assert sent >= 1
    second = submit(system, "three", "wechat", ids[1], LIFT[1])
    third = submit(system, "three", "mailbox", ids[2], LIFT[2])
    for ack in (second, third):
        # each front-end's acknowledgement names the case it joined
        assert ack["case_id"] == first["case_id"], ack
        assert ack["joined_case_id"] == first["case_id"], ack
        assert not ack["duplicate"], ack
    assert cases_of(system, ids) == {ids[0]: first["case_id"]}
    d = case(system, first["case_id"])
    assert [(r["channel"], r["channel_id"]) for r in d["reporters"]] == \
        [("hotline", ids[0]), ("wechat", ids[1]), ("mailbox", ids[2])], d["reporters"]
    assert [r["text"] for r in d["reporters"]] == [t.format("鸿翔花园") for t in LIFT]
    assert kinds(d).count("reporter_joined") == 2, kinds(d)
    assert d["state"] in ("assigned", "delivered"), d
    # the body receives nothing new; received counts the problem once
    assert deliveries(system, first["case_id"]) == sent
    assert received(system, "PC-YH") == before + 1
    # the reporters who joined are a figure of their own
    assert figure(system, "PC-YH", "reporters") == reporters + 2
    assert figure(system, "JA-DH-CZ-1-01", "reporters", by="compound") >= 2
    for c in ("wechat", "mailbox"):
        assert figure(system, c, "reporters", by="channel") == by_channel[c] + 1
    # and a /metrics family (refreshed at most every few seconds)
    deadline = time.monotonic() + 20
    while metric_reporters(system, "PC-YH") != scraped + 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert metric_reporters(system, "PC-YH") == scraped + 2
    # a reporter's front-end follows the case it joined
    seen = case(system, first["case_id"], identity="frontend.wechat")
    assert len(seen["reporters"]) == 3
    # the front-end's retry of a joined ticket answers the same case
    again = submit(system, "three", "wechat", ids[1], LIFT[1])
    assert again["case_id"] == first["case_id"] and again["duplicate"], again
    assert len(case(system, first["case_id"])["reporters"]) == 3


def test_different_problem_stays_its_own_case(system):
    lift = submit(system, "other", "hotline", ticket("hl"), LIFT[0])
    other = submit(system, "other", "hotline", ticket("hl"), OTHER_LIFT)
    assert other["category"] == lift["category"] == "elevator"
    assert other["case_id"] != lift["case_id"], other
    assert other["joined_case_id"] == "", other
    assert len(case(system, lift["case_id"])["reporters"]) == 1


def test_unlink_restores_two_cases_with_their_histories(system):
    a_id, b_id = ticket("hl"), ticket("wx")
    a = submit(system, "unlink", "hotline", a_id, LIFT[0])
    b = submit(system, "unlink", "wechat", b_id, LIFT[1])
    assert b["joined_case_id"] == a["case_id"], b
    holder = a["body_id"]
    before = received(system, holder)
    joined = figure(system, holder, "reporters")
    un = system.petition("unlink", a["case_id"], f"wechat:{b_id}")
    assert un["from_case_id"] == a["case_id"] and un["case_id"] != a["case_id"], un
    new = case(system, un["case_id"])
    assert (new["channel"], new["channel_id"], new["text"]) == ("wechat", b_id, LIFT[1]), new
    assert new["body_id"] == holder and new["category"] == "elevator", new
    assert kinds(new) == ["created", "assigned"], kinds(new)
    assert all(e["note"] == f"unlinked from {a['case_id']}" for e in new["events"]), new
    assert deliveries(system, un["case_id"]) >= 1
    old = case(system, a["case_id"])
    assert [r["channel_id"] for r in old["reporters"]] == [a_id]
    assert kinds(old)[-2:] == ["reporter_joined", "reporter_unlinked"], kinds(old)
    assert cases_of(system, [a_id, b_id]) == {a_id: a["case_id"], b_id: un["case_id"]}
    assert received(system, holder) == before + 1
    assert figure(system, holder, "reporters") == joined - 1
    # a retry of the unlinked ticket finds its own case now, not a join
    again = submit(system, "unlink", "wechat", b_id, LIFT[1])
    assert again["case_id"] == un["case_id"] and again["duplicate"], again
    assert again["joined_case_id"] == "", again
    # unlinking again finds no such reporter
    r = system.petition("unlink", a["case_id"], f"wechat:{b_id}", check=False, json=False)
    assert r.returncode != 0


def scrape(system):
    url = f"http://{system.ep['metrics'].removeprefix('tcp://')}/metrics"
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def metric_reporters(system, body):
    m = re.search(r'^liandong_body_reporters\{[^}]*"' + re.escape(body) + r'"[^}]*\} (\d+)',
                  scrape(system), re.M)
    return int(m.group(1)) if m else 0


def candidate_reads(system):
    """The ledger's count of RepeatCandidates answered (/metrics)."""
    url = f"http://{system.ep['metrics'].removeprefix('tcp://')}/metrics"
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode()
    m = re.search(r'^liandong_ledger_commands_total\{type="repeat_candidates"\} (\d+)$', text,
                  re.M)
    return int(m.group(1)) if m else 0


def test_emergency_is_never_joined(system):
    reads = candidate_reads(system)
    first = submit(system, "emergency", "hotline", ticket("hl"), GAS, urgency="emergency")
    t0 = time.monotonic()
    second = submit(system, "emergency", "hotline", ticket("hl"), GAS, urgency="emergency")
    took = time.monotonic() - t0
    assert first["urgency"] == second["urgency"] == "emergency", second
    assert second["case_id"] != first["case_id"], second
    assert second["joined_case_id"] == "", second
    assert took < 10, took
    # not delayed: the router did not even ask for candidates
    assert candidate_reads(system) == reads
    # (a normal demand does: the counter can move)
    submit(system, "emergency", "hotline", ticket("hl"), OTHER_LIFT)
    assert candidate_reads(system) == reads + 1


def follow_up(system, channel, case_id, channel_id, request_id=None, **fields):
    with system.wire("ledger", identity=f"frontend.{channel}", timeout=30.0) as w:
        env = pb.Envelope(request_id=request_id or ticket("fu"),
                          case_follow_up=pb.CaseFollowUp(case_id=case_id, channel_id=channel_id,
                                                         **fields))
        ans = w.request(env, 30.0)
        assert ans is not None, "no answer from the ledger"
        return ans


def test_follow_up_and_withdraw_recorded(system):
    a_id, b_id = ticket("hl"), ticket("wx")
    a = submit(system, "follow", "hotline", a_id, LIFT[0])
    b = submit(system, "follow", "wechat", b_id, LIFT[1])
    assert b["joined_case_id"] == a["case_id"], b
    photo = "https://img.example.cn/lift-5.jpg"
    rid = ticket("fu")
    ans = follow_up(system, "wechat", a["case_id"], b_id, request_id=rid,
                    text="电梯里还困着一个人", photo_url=photo)
    assert ans.WhichOneof("body") == "case_action_done", ans
    ev = ans.case_action_done.event
    assert ev.kind == "followed_up" and "电梯里还困着一个人" in ev.note and photo in ev.note, ev
    # the front-end's retry records nothing twice
    again = follow_up(system, "wechat", a["case_id"], b_id, request_id=rid,
                      text="电梯里还困着一个人", photo_url=photo)
    assert again.case_action_done.duplicate and again.case_action_done.event.seq == ev.seq
    # a front-end speaks only for its own channel's residents
    other = follow_up(system, "wechat", a["case_id"], a_id, text="冒充")
    assert other.WhichOneof("body") == "error" and other.error.code == pb.ERROR_NOT_FOUND, other
    bad = follow_up(system, "wechat", a["case_id"], b_id, photo_url="javascript:alert(1)")
    assert bad.WhichOneof("body") == "error" and bad.error.code == pb.ERROR_BAD_REQUEST, bad
    gone = follow_up(system, "wechat", a["case_id"], b_id, withdraw=True, text="已经修好了")
    assert gone.case_action_done.event.kind == "withdrawn", gone
    own = follow_up(system, "hotline", a["case_id"], a_id, text="物业说下午来修")
    assert own.case_action_done.event.kind == "followed_up", own
    d = case(system, a["case_id"])
    assert kinds(d)[-3:] == ["followed_up", "withdrawn", "followed_up"], kinds(d)
    assert kinds(d).count("followed_up") == 2
    assert d["reporters"][1]["withdrawn_at_ms"] > 0, d["reporters"]
    assert d["reporters"][0]["withdrawn_at_ms"] == 0, d["reporters"]
    assert d["state"] not in ("resolved", "closed"), d


def state_of(system, case_id):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT state FROM cases WHERE case_id = %s", (case_id,))
        return cur.fetchone()[0]


def seq_gap_free(system):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), COALESCE(max(seq) - min(seq) + 1, 0) FROM case_events")
        n, span = cur.fetchone()
        return n == span


def test_link_by_hand_and_unlink(system):
    a_id, x_id = ticket("hl"), ticket("wx")
    a = submit(system, "link", "hotline", a_id, LIFT[0])
    # the same lift in words too far for the router: a case of its own
    x = submit(system, "link", "wechat", x_id, "{}5号楼电梯停运了，请物业赶紧修")
    assert x["joined_case_id"] == "" and x["case_id"] != a["case_id"], x
    holder = a["body_id"]
    before = received(system, holder)
    reporters = figure(system, holder, "reporters")
    ev = system.petition("link", a["case_id"], f"wechat:{x_id}")
    assert ev["kind"] == "reporter_joined" and x["case_id"] in ev["note"], ev
    assert state_of(system, x["case_id"]) == "closed"
    xd = case(system, x["case_id"])
    assert xd["events"][-1]["kind"] == "closed", xd["events"]
    assert xd["events"][-1]["note"] == f"linked to {a['case_id']}", xd["events"]
    ad = case(system, a["case_id"])
    assert [r["channel_id"] for r in ad["reporters"]] == [a_id, x_id]
    # one problem: received counts it once, the reporter is a figure
    assert received(system, holder) == before - 1
    assert figure(system, holder, "reporters") == reporters + 1
    # linking it again finds no open case of that ticket
    r = system.petition("link", a["case_id"], f"wechat:{x_id}", check=False, json=False)
    assert r.returncode != 0
    # undone without losing anything: the same case reopened, history kept
    un = system.petition("unlink", a["case_id"], f"wechat:{x_id}")
    assert un["case_id"] == x["case_id"], un
    assert state_of(system, x["case_id"]) == "assigned"
    xd = case(system, x["case_id"])
    assert kinds(xd)[:2] == ["created", "assigned"] and kinds(xd)[-2:] == ["closed", "assigned"]
    assert xd["events"][-1]["note"] == f"unlinked from {a['case_id']}"
    assert [r["channel_id"] for r in case(system, a["case_id"])["reporters"]] == [a_id]
    assert received(system, holder) == before
    assert figure(system, holder, "reporters") == reporters
    assert seq_gap_free(system)
