"""test_console_http.py - the web console over plain HTTP (issue 14): the
login page without a session, Argon2id accounts, the session cookie's
attributes, security headers, CSRF refusal, login throttling, session
expiry, logout, and the scope of a body's staff: staff of one body can
neither see nor act on another body's case, through the pages or with
forged requests carrying a valid session and CSRF token of their own.

Every check here fails on a console without the rule it names (e.g. with
the CSRF check removed from console.c the forged POSTs are answered 303
and the case changes state).
"""
import json
import os
import re
import subprocess
import time
import urllib.parse

import pytest

import liandong
from console_client import Console, text_of

OPERATOR, OPERATOR_PW = "operator.li", "operator-password-1"
STAFF_A, STAFF_A_PW = "staff.zhang@PC-YH", "staff-a-password-1"
STAFF_B, STAFF_B_PW = "staff.wang@PC-JD", "staff-b-password-1"


@pytest.fixture(scope="module")
def sysm(system):
    system.console_account(OPERATOR, OPERATOR_PW)
    system.console_account(STAFF_A, STAFF_A_PW)
    system.console_account(STAFF_B, STAFF_B_PW)
    return system


def submit(system, cid, text, compound):
    return liandong.submit_answer(system.petition(*liandong.submit_args(
        "hotline", cid, text, compound=compound)))["case_id"]


def test_login_page_and_headers(sysm):
    c = Console(sysm.http)
    status, h, _ = c.get("/console/")
    assert status == 303 and h["location"] == "/console/login"
    status, h, body = c.get("/console/login")
    assert status == 200
    assert 'name="password"' in body and 'type="password"' in body
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["cache-control"] == "no-store"
    # a page behind the login redirects there
    status, h, _ = c.get("/console/overview")
    assert status == 303 and h["location"] == "/console/login"


def test_login_and_cookie(sysm):
    c = Console(sysm.http)
    status, _, body = c.login(OPERATOR, "wrong password!")
    assert status == 401 and "账号或密码错误" in body and c.cookie is None
    status, _, _ = c.login("operator.nobody", OPERATOR_PW)
    assert status == 401 and c.cookie is None
    status, h, _ = c.login(OPERATOR, OPERATOR_PW)
    assert status == 303 and h["location"] == "/console/"
    sc = h["set-cookie"]
    assert re.match(r"ld_console=[0-9a-f]{64}; ", sc), sc
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/console/"):
        assert attr in sc
    status, h, _ = c.get("/console/")
    assert status == 303 and h["location"] == "/console/overview"
    status, _, body = c.get("/console/overview")
    assert status == 200 and OPERATOR in body
    # the accounts file holds hashes only, mode 0600
    path = sysm.env["LIANDONG_CONSOLE_ACCOUNTS"]
    assert os.stat(path).st_mode & 0o777 == 0o600
    text = open(path, encoding="utf-8").read()
    assert OPERATOR_PW not in text and "$argon2id$" in text


def test_csrf_refused(sysm):
    cid = submit(sysm, "CON-CSRF-1", "3栋楼道的灯坏了，晚上看不见", "JA-DH-CZ-1-01")
    a = Console(sysm.http)
    assert a.login(STAFF_A, STAFF_A_PW)[0] == 303
    other = Console(sysm.http)
    assert other.login(STAFF_A, STAFF_A_PW)[0] == 303
    other_token = other.csrf()
    token = a.csrf()
    assert token != other_token
    for bad in (None, "", other_token, "0" * 64):
        form = {"id": cid, "action": "accept"}
        if bad is not None:
            form["csrf"] = bad
        status, _, body = a.post("/console/act", form)
        assert status == 403 and "CSRF" in body, (bad, status)
    assert sysm.petition("case", cid)["state"] in ("assigned", "delivered")
    # a cross-site origin is refused even with the token
    status, _, _ = a.post("/console/act", {"id": cid, "action": "accept", "csrf": token},
                          headers={"Origin": "http://evil.example"})
    assert status == 403
    assert sysm.petition("case", cid)["state"] in ("assigned", "delivered")
    # logout needs the token too
    status, _, _ = a.post("/console/logout", {"csrf": other_token})
    assert status == 403
    status, h, _ = a.act(cid, "accept", token)
    assert status == 303, h
    assert sysm.petition("case", cid)["state"] == "accepted"


def test_login_throttled(sysm):
    sysm.console_account("operator.throttled", "throttled-password-1")
    c = Console(sysm.http)
    for _ in range(5):
        assert c.login("operator.throttled", "not the password")[0] == 401
    status, h, body = c.login("operator.throttled", "throttled-password-1")
    assert status == 429 and int(h["retry-after"]) > 0 and "秒后再试" in body
    assert c.cookie is None
    # another account from the same address is still let in (its own count)
    assert Console(sysm.http).login(OPERATOR, OPERATOR_PW)[0] == 303


def test_logout(sysm):
    c = Console(sysm.http)
    c.login(OPERATOR, OPERATOR_PW)
    cookie = c.cookie
    token = c.csrf()
    status, h, _ = c.post("/console/logout", {"csrf": token})
    assert status == 303 and h["location"] == "/console/login"
    c.cookie = cookie  # the old cookie no longer opens anything
    status, h, _ = c.get("/console/overview")
    assert status == 303 and h["location"] == "/console/login"


def test_session_expiry(sysm, tmp_path):
    """A gateway with a 3 s idle limit (counted in whole seconds): a session
    used every second stays, one unused for longer is gone."""
    port = liandong.free_ports(1)[0]
    env = dict(sysm.env)
    env["LIANDONG_CONSOLE_IDLE_SECONDS"] = "3"
    argv = [os.path.join(liandong.BIN, "gateway"), "--http", f"127.0.0.1:{port}",
            "--router", sysm.ep["router"], "--ledger", sysm.ep["ledger"],
            "--api-keys", sysm.api_keys_path, "--http-threads", "2"]
    log = open(tmp_path / "gateway.log", "wb")
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=liandong.ROOT)
    try:
        deadline = time.monotonic() + 20
        while not liandong.tcp_open(port):
            assert p.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        c = Console(f"http://127.0.0.1:{port}")
        assert c.login(OPERATOR, OPERATOR_PW)[0] == 303
        for _ in range(3):  # used within the limit: stays
            time.sleep(1)
            assert c.get("/console/overdue")[0] == 200
        time.sleep(4.5)
        status, h, _ = c.get("/console/overdue")
        assert status == 303 and h["location"] == "/console/login"
    finally:
        p.terminate()
        p.wait(timeout=10)
        log.close()


def test_staff_scope(sysm):
    """Staff of PC-YH (A) and of PC-JD (B): A sees its case with the
    resident's phone; B's case is neither visible to A nor open to A's
    actions, even with A's valid session and CSRF token."""
    case_a = liandong.submit_answer(sysm.petition(
        "submit", "--channel", "hotline", "--id", "CON-SCOPE-A", "--text", "5栋门口路灯不亮了",
        "--compound", "JA-DH-CZ-1-01", "--phone", "13800001111", "--name", "李四"))["case_id"]
    case_b = liandong.submit_answer(sysm.petition(
        "submit", "--channel", "hotline", "--id", "CON-SCOPE-B", "--text", "2栋电梯坏了困人",
        "--compound", "JA-DH-CZ-2-01", "--phone", "13900002222"))["case_id"]
    assert sysm.petition("case", case_b)["body_id"] == "PC-JD"
    a = Console(sysm.http)
    assert a.login(STAFF_A, STAFF_A_PW)[0] == 303
    status, _, inbox = a.get("/console/inbox")
    assert status == 200
    assert case_a in inbox and "13800001111" in inbox and "李四" in inbox
    assert case_b not in inbox and "13900002222" not in inbox
    status, _, frag = a.get("/console/inbox?fragment=1")
    assert status == 200 and case_a in frag and case_b not in frag
    status, _, body = a.get(f"/console/case?id={case_b}")
    assert status == 403 and "13900002222" not in body and "电梯" not in body
    token = a.csrf()
    before = sysm.petition("case", case_b)
    for action, extra in (("accept", {}), ("reply", {"text": "已经修好了电梯"}),
                          ("return", {"reason": "territory", "text": "不归我们"}),
                          ("escalate", {}), ("resolve", {"text": "已处理完毕了"}),
                          ("dispatch", {"to": "PC-YH"}), ("close", {"text": "无诉求的来电"})):
        status, _, _ = a.act(case_b, action, token, **extra)
        assert status in (403, 409), (action, status)
    after = sysm.petition("case", case_b)
    assert after["state"] == before["state"]
    assert len(after["events"]) == len(before["events"])
    # operators' pages are not for staff
    for path in ("/console/overview", "/console/overdue", "/console/ranking",
                 "/console/search?phone=13900002222"):
        status, _, body = a.get(path)
        assert status == 403 and "13900002222" not in body, path
    # and A's own case is open to A
    status, _, _ = a.act(case_a, "accept", token)
    assert status == 303
    assert sysm.petition("case", case_a)["state"] == "accepted"


def test_overview_equals_petition_rates(sysm):
    for i, (text, compound) in enumerate((("鸿翔花园垃圾没人清运", "JA-DH-CZ-1-01"),
                                          ("金地朗悦花园停车位被占", "JA-DH-CZ-2-01"))):
        submit(sysm, f"CON-RATES-{i}", text, compound)
    c = Console(sysm.http)
    c.login(OPERATOR, OPERATOR_PW)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    first = day[:8] + "01"
    for unit, by in (("", "district"), ("JA-DH", "street"), ("JA-DH-CZ", "community"),
                     ("", "body")):
        want = sysm.petition("rates", "--by", by, "--from", first, "--to", day,
                             *(("--unit", unit) if unit else ()))
        status, _, body = c.get(f"/console/overview?unit={unit}&by={by}&from={first}&to={day}")
        assert status == 200
        for row in want["rows"] + [want["total"]]:
            m = re.search(r'<tr class="total" data-key="total">(.*?)</tr>' if row is want["total"]
                          else r'<tr data-key="%s">(.*?)</tr>' % re.escape(row["key"]), body)
            assert m, (unit, by, row["key"])
            cells = text_of(m.group(1)).split()
            assert str(row["received"]) in cells, (row, cells)

            def pct(a, b):
                return "n/a" if b == 0 else "%.1f%%" % (100.0 * a / b)
            assert pct(row["replied"], row["received"]) in cells
            assert pct(row["resolved"], row["received"]) in cells
            assert pct(row["satisfied"], row["rated"]) in cells
            assert str(row["overdue_reply"] + row["overdue_resolve"]) in cells
    # the trend line: an SVG image of its own
    status, h, body = c.get(f"/console/trend.svg?to={day}")
    assert status == 200 and h["content-type"].startswith("image/svg+xml")
    assert "<svg" in body and "<polyline" in body and day[:7] in body
    # the CSV export of the same figures, with the BOM, recorded in the audit file
    status, h, body = c.get(f"/console/overview?by=district&from={first}&to={day}&format=csv")
    assert status == 200 and h["content-type"].startswith("text/csv")
    assert body.startswith("\ufeff")
    audit = [json.loads(line) for line in open(sysm.env["LIANDONG_CONSOLE_AUDIT"],
                                               encoding="utf-8")]
    assert any(a["what"] == "export" and a["who"] == OPERATOR for a in audit)


def test_search_and_export(sysm):
    cid = liandong.submit_answer(sysm.petition(
        "submit", "--channel", "hotline", "--id", "TICKET-SEARCH-77",
        "--text", "=HYPERLINK(\"x\") 楼顶水箱漏水很久了", "--compound", "JA-DH-CZ-1-01",
        "--address", "鸿翔花园9栋", "--phone", "13712345678", "--name", "王五"))["case_id"]
    other = submit(sysm, "TICKET-SEARCH-78", "金地朗悦花园垃圾成堆", "JA-DH-CZ-2-01")
    c = Console(sysm.http)
    c.login(OPERATOR, OPERATOR_PW)
    for query in ({"phone": "13712345678"}, {"ticket": "TICKET-SEARCH-77"}, {"text": "水箱"},
                  {"address": "鸿翔花园9栋"}, {"id": cid, "channel": "hotline"},
                  {"unit": "JA-DH-CZ-1-01", "text": "水箱"},
                  {"body": "PC-YH", "channel": "hotline", "text": "水箱"}):
        status, _, body = c.get("/console/search?" + urllib.parse.urlencode(query))
        assert status == 200, query
        assert f'data-case="{cid}"' in body, query
        assert f'data-case="{other}"' not in body, query
        assert "13712345678" in body  # the operator sees the phone
    status, _, body = c.get("/console/search?phone=13700000000")
    assert status == 200 and 'id="n-found">0<' in body
    status, _, body = c.get("/console/search?unit=JA-DH-CZ-2-01&state=open")
    assert f'data-case="{other}"' in body and f'data-case="{cid}"' not in body
    # the resident's text is escaped on the page and guarded in the CSV
    status, h, _ = c.get(f"/console/search?id={cid}")  # an id alone opens the case
    assert status == 303 and h["location"] == f"/console/case?id={cid}"
    status, _, body = c.get(f"/console/case?id={cid}")
    assert status == 200 and '=HYPERLINK(&quot;x&quot;)' in body
    status, h, body = c.get("/console/search?phone=13712345678&format=csv")
    assert status == 200 and body.startswith("\ufeff")
    assert "attachment" in h["content-disposition"]
    assert "\"'=HYPERLINK(\"\"x\"\")" in body and cid in body
    audit = [json.loads(line) for line in open(sysm.env["LIANDONG_CONSOLE_AUDIT"],
                                               encoding="utf-8")]
    phone = [a for a in audit if a["what"] == "phone search"]
    assert phone and phone[-1]["who"] == OPERATOR and "13712345678" in phone[-1]["detail"]
    assert any(a["what"] == "export" and "search" in a["detail"] for a in audit)
    # the gateway's log names the search but not the number
    log = open(os.path.join(sysm.log_dir, "gateway.log"), encoding="utf-8").read()
    assert "phone search by operator.li" in log and "13712345678" not in log


def test_why_a_case_left(sysm):
    """A body's staff learn why a case left their inbox (CaseDeparture) but
    nothing of a case their body never held."""
    cid = submit(sysm, "CON-GONE-1", "鸿翔花园7栋电梯按钮失灵", "JA-DH-CZ-1-01")
    a, b = Console(sysm.http), Console(sysm.http)
    assert a.login(STAFF_A, STAFF_A_PW)[0] == 303
    assert b.login(STAFF_B, STAFF_B_PW)[0] == 303
    assert cid in a.get("/console/inbox?fragment=1")[2]
    sysm.petition("dispatch", cid, "--to", "PC-LF", "--text", "不属于远航物业", json=False)
    status, _, frag = a.get("/console/inbox?fragment=1")
    assert status == 200 and cid not in frag
    status, _, why = a.get(f"/console/gone?id={cid}")
    assert status == 200 and "改派" in why and "operator:admin" in why and "PC-LF" in why, why
    # B never held it: no event, no holder, no actor
    status, _, why = b.get(f"/console/gone?id={cid}")
    assert status == 200 and "operator:admin" not in why and "PC-LF" not in why, why
    # and the ledger itself refuses operators and front-ends the request
    # (tests/system/test_authz.py's matrix)
