"""test_console.py - the web console in a real browser (issue 14): Debian's
headless Chromium driven by python3-selenium logs in as an operator and as
a property company's staff, walks every page, performs every action, and
checks what each page shows against the ledger (`petition --json`).
Screenshots of every page go to the test's output directory
(tests/output/console/, not committed; LIANDONG_SCREENSHOTS=DIR to choose).

Skipped only when chromium, chromedriver or selenium are missing
(deploy/install-deps.sh installs them).
"""
import os
import re
import shutil
import time

import pytest

import liandong

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service as ChromeService  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

OPERATOR, OPERATOR_PW = "operator.li", "operator-password-1"
STAFF, STAFF_PW = "staff.zhang@PC-YH", "staff-password-1"
SHOTS = os.environ.get("LIANDONG_SCREENSHOTS",
                       os.path.join(liandong.ROOT, "tests", "output", "console"))

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="chromium and chromium-driver are not installed")


@pytest.fixture(scope="module")
def sysm(system):
    system.console_account(OPERATOR, OPERATOR_PW)
    system.console_account(STAFF, STAFF_PW)
    os.makedirs(SHOTS, exist_ok=True)
    return system


def browser():
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1360,1000", "--lang=zh-CN"):
        opts.add_argument(a)
    opts.binary_location = shutil.which("chromium")
    service = ChromeService(executable_path=shutil.which("chromedriver"))
    d = webdriver.Chrome(options=opts, service=service)
    d.implicitly_wait(0)
    return d


@pytest.fixture
def driver():
    d = browser()
    yield d
    d.quit()


def shot(d, name):
    # the whole page: widen the window to the document's height first
    h = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(1360, max(700, min(int(h) + 160, 5000)))
    d.save_screenshot(os.path.join(SHOTS, name + ".png"))


def login(d, base, principal, password):
    d.get(base + "/console/")
    assert d.current_url.endswith("/console/login")
    d.find_element(By.NAME, "principal").send_keys(principal)
    d.find_element(By.NAME, "password").send_keys(password)
    d.find_element(By.ID, "login").click()
    WebDriverWait(d, 10).until(lambda x: "/login" not in x.current_url)


def wait_for(d, cond, timeout=15):
    # the inbox's script swaps its table every 5 s: an element read just
    # then is gone; read again
    return WebDriverWait(d, timeout, poll_frequency=0.25,
                         ignored_exceptions=(WebDriverException,)).until(lambda x: cond())


def stable(fn, tries=5):
    """fn() again when the inbox's table was swapped under it."""
    for i in range(tries):
        try:
            return fn()
        except WebDriverException:
            if i == tries - 1:
                raise
            time.sleep(0.2)


def submit(sysm, cid, text, compound, urgency=None, phone="13800138000", name="张三"):
    args = ["submit", "--channel", "hotline", "--id", cid, "--text", text, "--compound",
            compound, "--phone", phone, "--name", name, "--address", "鸿翔花园3栋"]
    if urgency:
        args += ["--urgency", urgency]
    return liandong.submit_answer(sysm.petition(*args))["case_id"]


def case(sysm, cid):
    return sysm.petition("case", cid)


def gone(el):
    """The page that held el was replaced: chromedriver then answers
    either "stale element" or an inspector error about the node."""
    def check(_):
        try:
            el.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


def follow(d, el):
    """Click a link or a submit button and wait for the new page."""
    el.click()
    WebDriverWait(d, 15).until(gone(el))


def act(d, action, **fields):
    form = d.find_element(By.ID, "do-" + action).find_element(By.XPATH, "./ancestor::form")
    for name, value in fields.items():
        el = form.find_element(By.NAME, name)
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        elif el.get_attribute("type") == "datetime-local":
            d.execute_script("arguments[0].value = arguments[1]", el, value)
        else:
            el.clear()
            el.send_keys(value)
    button = d.find_element(By.ID, "do-" + action)
    button.click()
    # the answer is a new page: wait until the old one is gone
    WebDriverWait(d, 15).until(gone(button))


def test_staff_desk(sysm, driver):
    d, base = driver, sysm.http
    normal = submit(sysm, "BR-1", "3栋楼道的灯坏了，晚上看不见", "JA-DH-CZ-1-01")
    urgent = submit(sysm, "BR-2", "2单元电梯困人了，快来人", "JA-DH-CZ-1-01",
                    urgency="emergency", phone="13911112222", name="李四")
    later = submit(sysm, "BR-3", "小区垃圾桶满了没人清运", "JA-DH-CZ-1-01")
    assert case(sysm, urgent)["body_id"] == "PC-YH"
    # one of them overdue, as the ledger sees it
    with sysm.db() as conn, conn.cursor() as cur:
        cur.execute("UPDATE cases SET reply_due = now() - interval '2 hours' WHERE case_id = %s",
                    (later,))
    login(d, base, STAFF, STAFF_PW)
    assert d.current_url.endswith("/console/inbox")
    rows = stable(lambda: [r.get_attribute("data-case") for r in d.find_elements(
        By.CSS_SELECTOR, "#inbox tr[data-case]")])
    assert rows[0] == urgent, rows  # the emergency first
    assert set(rows) >= {normal, urgent, later}
    body = stable(lambda: d.find_element(By.ID, "inbox").text)
    assert "13911112222" in body and "李四" in body and "鸿翔花园3栋" in body
    assert stable(lambda: d.find_element(By.ID, "n-overdue").text) == "1"
    assert "overdue" in stable(lambda: d.find_element(
        By.CSS_SELECTOR, f'tr[data-case="{later}"]').get_attribute("class"))
    shot(d, "inbox")
    # a new case appears without a reload (the page's polling script)
    marker = d.find_element(By.ID, "inbox")
    fresh = submit(sysm, "BR-4", "楼下水管爆了一直在漏水", "JA-DH-CZ-1-01")
    wait_for(d, lambda: d.find_elements(By.CSS_SELECTOR, f'tr[data-case="{fresh}"]'))
    assert marker.is_displayed()  # the same page: not reloaded
    # the case page: demand, placement and why, deadlines, history
    stable(lambda: follow(d, d.find_element(By.LINK_TEXT, normal)))
    rec = d.find_element(By.ID, "record").text
    want = case(sysm, normal)
    assert want["text"] in rec and "公共设施报修" in rec and "PC-YH" in rec
    assert "楼道的灯" in d.find_element(By.ID, "words").text  # the words that fired
    kinds = [r.get_attribute("data-kind") for r in d.find_elements(By.CSS_SELECTOR,
                                                                    "#history tr[data-kind]")]
    assert kinds == [e["kind"] for e in want["events"]]
    shot(d, "case_staff")
    # accept, an empty-in-substance reply refused, a reply, resolve
    act(d, "accept")
    assert "已受理" in d.find_element(By.ID, "notice").text
    assert case(sysm, normal)["state"] == "accepted"
    act(d, "reply", text="。。。")
    assert "未能执行" in d.find_element(By.ID, "notice").text
    assert case(sysm, normal)["state"] == "accepted"
    act(d, "reply", text="已安排电工明天上午更换灯泡")
    assert case(sysm, normal)["state"] == "replied"
    ev = [e for e in case(sysm, normal)["events"] if e["kind"] == "replied"][0]
    assert (ev["actor"], ev["on_behalf_of"]) == ("staff:zhang@PC-YH", "PC-YH")
    actors = d.find_element(By.ID, "history").text
    assert "staff:zhang@PC-YH" in actors
    act(d, "resolve", text="灯泡已更换，楼道照明恢复")
    assert case(sysm, normal)["state"] == "resolved"
    shot(d, "case_staff_resolved")
    # return with a reason: back to the inbox, with a notice, and gone from it
    d.get(f"{base}/console/case?id={later}")
    act(d, "return", reason="ownership", text="该楼栋不在本公司服务范围")
    assert d.current_url.split("?")[0].endswith("/console/inbox")
    assert later in d.find_element(By.ID, "notice").text
    assert not stable(lambda: d.find_elements(By.CSS_SELECTOR, f'#inbox tr[data-case="{later}"]'))
    assert case(sysm, later)["state"] == "returned"
    # escalate
    d.get(f"{base}/console/case?id={fresh}")
    act(d, "escalate", text="需业委会协调维修资金")
    after = case(sysm, fresh)
    assert after["body_id"] != "PC-YH", d.find_element(By.TAG_NAME, "main").text[:300]
    # a case taken away by someone else disappears with a notice why
    d.get(f"{base}/console/inbox")
    sysm.petition("dispatch", urgent, "--to", "JA-DH-CZ-1-RC", json=False)
    wait_for(d, lambda: not d.find_elements(By.CSS_SELECTOR, f'tr[data-case="{urgent}"]'))
    wait_for(d, lambda: urgent in d.find_element(By.ID, "gone").text)
    gone = stable(lambda: d.find_element(By.ID, "gone").text)
    assert "不再由本单位办理" in gone and "改派" in gone and "operator:admin" in gone, gone
    assert "JA-DH-CZ-1-RC" in gone
    shot(d, "inbox_taken_away")
    # CSV export of the inbox
    d.get(f"{base}/console/inbox?format=csv")


def test_operator_pages(sysm, driver):
    d, base = driver, sysm.http
    a = submit(sysm, "OP-1", "鸿翔花园5栋门禁坏了", "JA-DH-CZ-1-01", phone="13600001111")
    b = submit(sysm, "OP-2", "金地朗悦花园电梯停运", "JA-DH-CZ-2-01", urgency="emergency")
    c = submit(sysm, "OP-3", "罗芳南苑车位被占用", "JA-DH-HB-2-01")
    e = submit(sysm, "OP-4", "打错电话了", "JA-DH-CZ-1-01")
    with sysm.db() as conn, conn.cursor() as cur:
        cur.execute("UPDATE cases SET reply_due = now() - interval '3 hours' WHERE case_id = %s",
                    (c,))
        cur.execute("UPDATE cases SET reply_due = now() - interval '1 hours' WHERE case_id = %s",
                    (b,))
    login(d, base, OPERATOR, OPERATOR_PW)
    assert d.current_url.endswith("/console/overview")
    # the overview's headline equals petition rates for the same period
    day = time.strftime("%Y-%m-%d", time.gmtime())
    want = sysm.petition("rates", "--by", "district", "--from", day[:8] + "01", "--to", day)
    cells = d.find_element(By.ID, "this-period").find_elements(By.TAG_NAME, "td")
    assert cells[0].text == str(want["total"]["received"])
    trend = d.find_element(By.CSS_SELECTOR, "#trend img")  # drawn, not broken
    wait_for(d, lambda: d.execute_script("return arguments[0].naturalWidth", trend) == 640)
    shot(d, "overview")
    # drill down: a district, then its street
    follow(d, d.find_element(By.CSS_SELECTOR, '#rows tr[data-key="JA-DH"] a'))
    assert d.find_element(By.ID, "scope-unit").text == "JA-DH"
    want = sysm.petition("rates", "--by", "street", "--unit", "JA-DH", "--from",
                         day[:8] + "01", "--to", day)
    for row in want["rows"]:
        tr = d.find_element(By.CSS_SELECTOR, f'#rows tr[data-key="{row["key"]}"]')
        assert tr.find_elements(By.TAG_NAME, "td")[2].text == str(row["received"])
    shot(d, "overview_district")
    # overdue and due soon: emergencies on top, then the oldest
    d.get(f"{base}/console/overdue")
    rows = [r.get_attribute("data-case") for r in d.find_elements(By.CSS_SELECTOR,
                                                                   "#overdue tr[data-case]")]
    want = sysm.petition("overdue")
    over = [x["case_id"] for x in (want["cases"] if isinstance(want, dict) else want)]
    assert b in rows and c in rows and set(over) <= set(rows)
    assert rows.index(b) < rows.index(c)  # the emergency first, though later
    shot(d, "overdue")
    # 红黑榜
    d.get(f"{base}/console/ranking")
    period = time.strftime("%Y-%m", time.gmtime())
    want = sysm.petition("ranking", "--period", period)
    got = [r.get_attribute("data-body") for r in d.find_elements(By.CSS_SELECTOR,
                                                                  "#ranking tr[data-body]")]
    assert got == [r["body_id"] for r in want["rows"]]
    shot(d, "ranking")
    # search by phone, then open the case
    d.get(f"{base}/console/search")
    d.find_element(By.NAME, "phone").send_keys("13600001111")
    follow(d, d.find_element(By.ID, "search"))
    found = [r.get_attribute("data-case") for r in d.find_elements(By.CSS_SELECTOR,
                                                                    "#results tr[data-case]")]
    assert found == [a]
    shot(d, "search")
    follow(d, d.find_element(By.LINK_TEXT, a))
    assert "13600001111" in d.find_element(By.ID, "record").text
    shot(d, "case_operator")
    # operator actions: grant an extension the holder asked for, dispatch,
    # escalate, close as no demand
    assert not d.find_elements(By.ID, "do-grant")  # nothing asked for yet
    sysm.petition("extend", a, "--body", "PC-YH", "--text", "需等待配件到货", json=False,
                  identity="body.PC-YH")
    d.refresh()
    act(d, "grant", until="2030-01-15T18:00", text="需协调多方")
    assert "已延长" in d.find_element(By.ID, "notice").text
    assert case(sysm, a)["resolve_due"] == "2030-01-15T10:00:00Z"  # 18:00 in Beijing
    act(d, "dispatch", to="PC-ZY", text="改由竹韵物业处理")
    assert case(sysm, a)["body_id"] == "PC-ZY"
    ev = [x for x in case(sysm, a)["events"] if x["kind"] == "dispatched"][-1]
    assert ev["actor"] == "operator:li"
    act(d, "escalate", text="物业未处理，升级社区")
    assert case(sysm, a)["body_id"] != "PC-ZY"
    d.get(f"{base}/console/case?id={e}")
    act(d, "close", text="来电无实际诉求")
    assert case(sysm, e)["state"] == "closed"
    hist = d.find_element(By.ID, "history").text
    assert "operator:li" in hist and "来电无实际诉求" in hist
    shot(d, "case_operator_closed")
    # the login page, for the README
    d.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait_for(d, lambda: d.current_url.endswith("/console/login"))
    d.get(f"{base}/console/overview")  # the session is over
    assert d.current_url.endswith("/console/login")
    shot(d, "login")
