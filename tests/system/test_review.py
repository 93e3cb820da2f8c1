"""Say when unsure (issue 19) and lean to safety (issue 18), end to end: a
demand submitted through the router's front door is acknowledged with the
placement's confidence and, when the category is a weak reading or an
emergency was raised on an unclear time, flagged for the dispatch centre's
review; a clear demand is not flagged. The flag travels in the placement the
front-end receives and in the explanation the ledger keeps with the case."""
import json

import liandong


def _submit(system, channel_id, text):
    return system.petition(*liandong.submit_args("hotline", channel_id, text, address="鸿翔花园3栋"),
                           identity=liandong.frontend_identity("hotline"))


def _placement(ans):
    return ans.get("placement", ans)


def test_review_flags_travel_with_the_case(system):
    clear = _placement(_submit(system, "REV-1", "3栋的电梯坏了,停运两天了"))
    assert clear["review"] is False, clear
    assert clear["confidence"] >= 0.9, clear
    vague = _placement(_submit(system, "REV-2", "小区的路灯和垃圾桶"))
    assert vague["review"] is True, vague
    assert vague["review_reasons"] == ["low_confidence"], vague
    assert vague["confidence"] < 0.4, vague
    assert vague["body_kind"] != "dispatch_center", vague  # still goes to the best body
    unclear = _placement(_submit(system, "REV-3", "上周就打过电话了。楼道的电线冒火花"))
    assert unclear["urgency"] == "emergency", unclear
    assert "urgency_unclear" in unclear["review_reasons"], unclear
    # The ledger keeps the explanation with the case: the urgency rule and
    # the review are there for `petition case`.
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT explain_json FROM cases WHERE channel = 'hotline' AND channel_id = 'REV-3'")
        row = cur.fetchone()
    assert row is not None
    ex = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    assert ex["urgency"]["rule"] == "danger_unclear" and ex["urgency"]["review"] is True, ex


def test_review_queue_lists_the_flagged_open_cases(system):
    """The dispatch centre's queue (`petition review`, ListCases.review):
    the flagged cases and only them, with the explanation of why."""
    flagged = _placement(_submit(system, "REVQ-1", "小区的路灯和垃圾桶"))
    clear = _placement(_submit(system, "REVQ-2", "3栋的电梯坏了,停运两天了"))
    assert flagged["review"] is True and clear["review"] is False
    rows = system.petition("review", "--limit", "1000")
    rows = [rows] if isinstance(rows, dict) else list(rows)
    ids = {r["case_id"] for r in rows}
    assert flagged["case_id"] in ids, rows
    assert clear["case_id"] not in ids, rows
    for r in rows:
        ex = r.get("explain") or r.get("placement", {}).get("explain") or {}
        if ex:
            assert ex["review"]["flagged"] is True, r
    text = system.petition("review", json=False).stdout
    text = text.decode() if isinstance(text, bytes) else text
    assert "flagged for review" in text
