"""Issue 2's system test: intake is idempotent, every case lands on exactly one
desk, and the reply-rate figures match what the test itself did.

200 submissions through `petition submit --json`: 180 distinct (channel, id)
pairs over all six channels, addresses from the sample registry's compounds,
texts across many categories; 20 of them submitted again with the same
channel and id, which must return the same case with duplicate=true.
"""
import json
import math
import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import liandong
from liandong import desk_rows, rate_rows, submit_answer

CHANNELS = ["hotline", "wechat", "petition", "mailbox", "grid", "property"]

# Texts meant for many categories; the router decides, the test only checks
# that every answer is consistent with what the ledger then reports.
TEXTS = [
    "{b}栋楼道的灯坏了快一个月了，晚上老人上下楼很危险。",
    "{b}栋电梯又停了，每天爬楼很辛苦，请尽快维修。",
    "{b}栋楼下的垃圾三天没人清运，臭气熏天。",
    "小区里车乱停，{b}栋门口的消防通道被堵死了。",
    "物业费涨价没有经过业主同意，物业人员态度也很差。",
    "想了解小区维修资金的使用情况，公共收益一直没有公示。",
    "楼上{b}01的住户家里漏水，渗到我家天花板上了。",
    "业委会换届选举拖了一年多，业主们都很有意见。",
    "物业公司要撤出小区了，以后谁来管理？",
    "{b}栋顶楼有人违章搭建了一个铁皮房。",
    "楼下的烧烤店每天晚上油烟很大，噪音吵到半夜。",
    "新房交付不到两年，外墙就开始渗水，开发商不管。",
    "听说附近要建垃圾转运站，离住宅太近了。",
    "孩子明年上小学，想问学区是怎么划分的。",
    "最近小区里电动车电池经常被偷，希望加强治安。",
    "有人把电动车推进楼道里充电，飞线充电很危险。",
    "附近工厂排放的废气有很浓的化学气味。",
    "{b}栋已经停水两天了，也没有任何通知。",
    "小区门口的市政道路有个大坑，井盖也松了。",
    "{b}栋有位独居老人生活困难，希望社区帮忙。",
    "想咨询一下居住证怎么办理需要什么材料。",
    "喂，你好，没什么事，打错了。",
]


def _compounds(registry):
    return [u for u in registry["units"] if u["kind"] == "compound"]


def _demands(registry):
    """180 distinct demands plus 20 repeats, deterministic."""
    rng = random.Random(20261122)
    compounds = _compounds(registry)
    distinct = []
    for i in range(180):
        c = compounds[i % len(compounds)]
        name = rng.choice([c["name"]] + c.get("aliases", []))
        b = 1 + (i * 7) % 12
        distinct.append({
            "channel": CHANNELS[i % len(CHANNELS)],
            "channel_id": f"FND-{i:04d}",
            "address": f"{name}{b}栋",
            "text": TEXTS[(i * 5) % len(TEXTS)].format(b=b),
        })
    repeats = rng.sample(range(180), 20)
    return distinct, repeats


def _submit(system, d):
    ans = system.petition(*liandong.submit_args(d["channel"], d["channel_id"], d["text"],
                                                address=d["address"]),
                          identity=liandong.frontend_identity(d["channel"]))
    return submit_answer(ans)


def test_foundation(system):
    with open(liandong.REGISTRY, encoding="utf-8") as f:
        registry = json.load(f)
    bodies = [b["id"] for b in registry["bodies"]]
    distinct, repeats = _demands(registry)

    # -- intake: 180 distinct, several at a time (the ledger must cope) -----
    with ThreadPoolExecutor(max_workers=6) as pool:
        first = list(pool.map(lambda d: _submit(system, d), distinct))
    for d, ans in zip(distinct, first):
        assert ans["duplicate"] is False, f"first submission marked duplicate: {d} -> {ans}"
        assert ans["case_id"], f"empty case_id for {d}"
        assert ans["body_id"] in bodies, f"placed at unknown body: {ans}"
    case_ids = [a["case_id"] for a in first]
    dupes = [c for c, n in Counter(case_ids).items() if n > 1]
    assert not dupes, f"distinct demands share case ids: {dupes}"

    # -- 20 repeats: same channel+id -> same case, duplicate=true -----------
    with ThreadPoolExecutor(max_workers=6) as pool:
        again = list(pool.map(lambda i: _submit(system, distinct[i]), repeats))
    for i, ans in zip(repeats, again):
        assert ans["case_id"] == first[i]["case_id"], \
            f"repeat of {distinct[i]['channel']}/{distinct[i]['channel_id']} got a new case: {ans}"
        assert ans["duplicate"] is True, f"repeat not marked duplicate: {ans}"
        assert ans["body_id"] == first[i]["body_id"], f"repeat placed elsewhere: {ans}"

    placed = defaultdict(set)        # body -> case ids the submit answers put there
    for ans in first:
        placed[ans["body_id"]].add(ans["case_id"])

    # -- exactly 180 cases, each on exactly the desk its answer named --------
    seen = {}
    for body in bodies:
        rows = desk_rows(system.petition("desk", "--body", body,
                                         identity=liandong.body_identity(body)))
        own = [r for r in rows if not r.get("copy")]   # cc copies are not the case's holder
        ids = [r["case_id"] for r in own]
        assert len(ids) == len(set(ids)), f"desk {body} lists a case twice: {ids}"
        for r in own:
            assert r["body_id"] == body, f"desk {body} shows a case held by {r['body_id']}"
            assert r["case_id"] not in seen, \
                f"case {r['case_id']} on two desks: {seen[r['case_id']]} and {body}"
            seen[r["case_id"]] = body
        assert set(ids) == placed.get(body, set()), (
            f"desk {body}: missing {sorted(placed.get(body, set()) - set(ids))}, "
            f"unexpected {sorted(set(ids) - placed.get(body, set()))}")
    assert len(seen) == 180, f"{len(seen)} cases on desks, expected 180"

    # The ledger's own table, if its schema has one called `cases` (in
    # whatever namespace): exactly one row per distinct demand.
    from psycopg2 import sql
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'cases'"
                    " AND table_schema NOT IN ('pg_catalog', 'information_schema')")
        for (schema,) in cur.fetchall():
            cur.execute(sql.SQL("SELECT count(*) FROM {}.cases").format(sql.Identifier(schema)))
            assert cur.fetchone()[0] == 180, f"{schema}.cases does not hold exactly 180 rows"
    conn.close()

    # -- reply to half, then the figures must match exactly -----------------
    replied = set()
    for n, ans in enumerate(sorted(first, key=lambda a: a["case_id"])):
        if n % 2 == 0:
            system.petition("reply", ans["case_id"], "--body", ans["body_id"],
                            "--text", "已收到，已安排人员处理。", json=False,
                            identity=liandong.body_identity(ans["body_id"]))
            replied.add(ans["case_id"])
    assert len(replied) == 90

    rows = {r["key"]: r for r in rate_rows(system.petition("rates"))}
    for body in bodies:
        received = len(placed.get(body, ()))
        n_replied = len(placed.get(body, set()) & replied)
        row = rows.get(body)
        if received == 0:
            assert row is None or int(row["received"]) == 0, f"rates for idle {body}: {row}"
            continue
        assert row is not None, f"rates has no row for {body} ({received} cases)"
        assert int(row["received"]) == received, f"{body}: {row} but {received} received"
        assert int(row["replied"]) == n_replied, f"{body}: {row} but {n_replied} replied"
        rate = n_replied / received * liandong.RATE_SCALE
        assert math.isclose(float(row["reply_rate"]), rate, abs_tol=0.006 * liandong.RATE_SCALE), \
            f"{body}: reply_rate {row['reply_rate']}, expected {rate}"
    unknown = set(rows) - set(bodies)
    assert all(int(rows[k]["received"]) == 0 for k in unknown), \
        f"rates rows for bodies not in the registry: {sorted(unknown)}"
    system.assert_alive()
