"""test_open311.py - Open311 GeoReport v2 against a real gateway.

The client below is written from the spec (wiki.open311.org/GeoReport_v2
and mySociety's servicerequestupdates), not from our code: urllib, xml.etree
and json from Python's standard library, over loopback HTTP to the gateway
the harness started (tests/system/liandong.py), which talks to the real
router and ledger.
"""
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

BASE = "/open311/v2"


class Open311:
    """A GeoReport v2 client. fmt: "xml" or "json"."""

    def __init__(self, root, api_key=None, fmt="xml"):
        self.root = root.rstrip("/") + BASE
        self.api_key = api_key
        self.fmt = fmt

    def url(self, path, query=None):
        u = f"{self.root}/{path}.{self.fmt}"
        if query:
            u += "?" + urllib.parse.urlencode(query, doseq=True)
        return u

    def call(self, method, path, query=None, form=None):
        """(status, content type, parsed body): XML as an Element, JSON as
        Python values."""
        data = None
        headers = {}
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.url(path, query), data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, ctype, body = r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            status, ctype, body = e.code, e.headers.get("Content-Type", ""), e.read()
        return status, ctype, self.parse(ctype, body)

    def parse(self, ctype, body):
        if self.fmt == "json":
            assert ctype.startswith("application/json"), ctype
            return json.loads(body.decode("utf-8"))
        assert ctype.startswith("text/xml"), ctype
        return ET.fromstring(body)

    def get(self, path, **query):
        return self.call("GET", path, query or None)


@pytest.fixture(params=["xml", "json"])
def fmt(request):
    return request.param


def test_discovery_answers_in_both_formats(system, fmt):
    status, _, body = Open311(system.http, fmt=fmt).get("discovery")
    assert status == 200
    if fmt == "json":
        ep = body["endpoints"][0]
        assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert ep["url"].endswith("/open311/v2")
        assert "text/xml" in ep["formats"] and "application/json" in ep["formats"]
    else:
        assert body.tag == "discovery"
        ep = body.find("endpoints/endpoint")
        assert ep.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in ep.findall("formats/format")] == ["text/xml",
                                                                 "application/json"]


# ---------------------------------------------------------------- helpers

def items(fmt, body, list_tag, item_tag):
    """A list answer as a list of dicts of strings (None for empty
    elements), the same whichever the format."""
    if fmt == "json":
        assert isinstance(body, list), body
        def text(v):
            if v is None or isinstance(v, str):
                return v
            return json.dumps(v)  # true/false and numbers as XML writes them
        return [{k: text(v) for k, v in it.items()} for it in body]
    assert body.tag == list_tag, ET.tostring(body)
    out = []
    for el in body.findall(item_tag):
        out.append({c.tag: c.text for c in el})
    return out


def error(fmt, body):
    """(code, description) of a spec-shaped error answer."""
    if fmt == "json":
        assert isinstance(body, list) and len(body) == 1, body
        return int(body[0]["code"]), body[0]["description"]
    assert body.tag == "errors", ET.tostring(body)
    e = body.find("error")
    return int(e.findtext("code")), e.findtext("description")


def post_request(client, **fields):
    form = {"api_key": client.api_key}
    form.update(fields)
    return client.call("POST", "requests", form=form)


def new_request(client, fmt, tag, **extra):
    # The format in the text: the XML and the JSON runs make their own cases
    # (the same request twice is one case: test_a_retry_is_the_same_case).
    fields = {"service_code": "facility_repair", "description": f"3栋楼道的灯坏了 {tag} {fmt}",
              "address_string": "鸿翔花园3栋", "first_name": "三", "last_name": "张",
              "phone": "13800001234", "email": "zhang@example.cn"}
    fields.update(extra)
    status, _, body = post_request(client, **fields)
    assert status == 200, body if fmt == "json" else ET.tostring(body)
    got = items(fmt, body, "service_requests", "request")
    assert len(got) == 1 and got[0]["service_request_id"].startswith("LD-"), got
    return got[0]


def one_request(client, fmt, case_id):
    status, _, body = client.get(f"requests/{case_id}", api_key=client.api_key)
    assert status == 200, body
    got = items(fmt, body, "service_requests", "request")
    assert len(got) == 1 and got[0]["service_request_id"] == case_id, got
    return got[0]


@pytest.fixture
def hotline(system, fmt):
    return Open311(system.http, system.api_keys["hotline"], fmt)


# ---------------------------------------------------------------- services

def test_services_one_per_category_with_chinese_names(system, fmt):
    status, _, body = Open311(system.http, fmt=fmt).get("services")
    assert status == 200
    svcs = items(fmt, body, "services", "service")
    codes = [s["service_code"] for s in svcs]
    # ROUTING.md section 4, in its order.
    assert codes == ["facility_repair", "elevator", "sanitation", "parking",
                     "property_service_complaint", "maintenance_fund", "neighbor_dispute",
                     "committee_affairs", "property_transition", "illegal_construction",
                     "business_nuisance", "building_quality", "planning", "school_places",
                     "public_security", "fire_safety", "pollution", "utilities",
                     "municipal_facilities", "social_assistance", "consultation", "unclassified"]
    by = {s["service_code"]: s for s in svcs}
    assert by["elevator"]["service_name"] == "电梯故障"
    assert by["facility_repair"]["group"] == "小区"
    assert by["committee_affairs"]["group"] == "街道"
    assert by["school_places"]["group"] == "区"
    assert by["consultation"]["group"] == "社区"
    assert all(s["type"] == "realtime" and s["description"] for s in svcs)
    assert by["elevator"]["metadata"] == "true" and by["parking"]["metadata"] == "false"


def test_service_definition_and_unknown_code(system, fmt):
    c = Open311(system.http, fmt=fmt)
    status, _, body = c.get("services/elevator")
    assert status == 200
    if fmt == "json":
        attrs = body["attributes"]
        assert body["service_code"] == "elevator"
        assert attrs[0]["code"] == "trapped" and attrs[0]["datatype"] == "singlevaluelist"
        assert [v["key"] for v in attrs[0]["values"]] == ["yes", "no"]
    else:
        assert body.tag == "service_definition"
        a = body.find("attributes/attribute")
        assert a.findtext("code") == "trapped"
        assert [v.findtext("key") for v in a.findall("values/value")] == ["yes", "no"]
    status, ctype, body = c.get("services/no_such_service")
    assert status == 404 and error(fmt, body)[0] == 404


# ---------------------------------------------------------------- errors

def test_errors_are_in_the_spec_shape_never_html(system, fmt):
    c = Open311(system.http, fmt=fmt)
    for method, path in (("GET", "no_such_endpoint"), ("GET", "requests/a/b"),
                         ("DELETE", "requests"), ("PUT", "services")):
        status, ctype, body = c.call(method, path)
        assert status in (404, 405), (method, path, status)
        assert error(fmt, body)[0] == status
        assert "html" not in ctype


def test_bad_api_key_is_403_and_logged_without_the_key(system, fmt):
    c = Open311(system.http, "not-a-key-" + fmt, fmt)
    status, _, body = post_request(c, service_code="facility_repair", description="灯坏了",
                                   address_string="鸿翔花园3栋")
    assert status == 403 and error(fmt, body)[0] == 403
    status, _, body = Open311(system.http, None, fmt).get("requests")
    assert status == 403 and error(fmt, body)[0] == 403
    log = open(system.services["gateway"].log_path, encoding="utf-8").read()
    assert "unknown api_key" in log and "not-a-key-" + fmt not in log
    # Nor do the real keys ever reach the log.
    assert all(k not in log for k in system.api_keys.values())


def test_post_refuses_what_the_spec_and_our_limits_refuse(system, fmt, hotline):
    base = {"service_code": "facility_repair", "description": "楼道灯坏了",
            "address_string": "鸿翔花园3栋"}
    cases = [
        ({"service_code": "no_such"}, "service_code"),
        ({"service_code": ""}, "service_code"),
        ({"description": "灯" * 4001}, "4000"),
        ({"description": ""}, "description"),
        ({"address_string": ""}, "location"),
        ({"lat": "30.6"}, "lat and long"),
        ({"lat": "91", "long": "114.3"}, "lat and long"),
        ({"lat": "abc", "long": "114.3"}, "lat and long"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ]
    for change, word in cases:
        fields = dict(base, **change)
        status, _, body = post_request(hotline, **fields)
        assert status == 400, (change, status)
        code, desc = error(fmt, body)
        assert code == 400 and word in desc, (change, desc)
    # 4,000 characters exactly are fine.
    new_request(hotline, fmt, "x", description="灯" * 3990 + f"坏了{fmt}长描述")


# ---------------------------------------------------------------- requests

def test_post_creates_a_case_with_everything_kept(system, fmt, hotline):
    r = new_request(hotline, fmt, "kept", media_url="https://img.example.cn/a.jpg?x=1&y=2",
                    **{"attribute[leaking]": "no", "device_id": "dev-1"})
    case_id = r["service_request_id"]
    assert "小时内答复" in r["service_notice"]
    c = system.petition("case", case_id)
    assert c["channel"] == "hotline" and c["channel_id"] == r["token"]
    assert c["category"] == "facility_repair" and c["compound"] == "JA-DH-CZ-1-01"
    assert c["resident_name"] == "张三" and c["resident_phone"] == "13800001234"
    got = one_request(hotline, fmt, case_id)
    assert got["status"] == "open" and got["service_code"] == "facility_repair"
    assert got["service_name"] == "公共设施报修"
    assert got["media_url"] == "https://img.example.cn/a.jpg?x=1&y=2"
    assert got["address"] == "鸿翔花园3栋" and got["address_id"] == "JA-DH-CZ-1-01"
    assert got["agency_responsible"] and got["agency_responsible"] in r["service_notice"], got
    for k in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert got[k].endswith("+08:00") and "T" in got[k], got[k]
    # The e-mail is the resident's personal data: in the ledger's table,
    # never readable by the reports role.
    with system.db() as db, db.cursor() as cur:
        cur.execute("SELECT media_url, attributes_json, service_code, resident_email"
                    " FROM case_extras WHERE case_id = %s", (case_id,))
        media, attrs, code, email = cur.fetchone()
    assert (media, json.loads(attrs), code, email) == (
        "https://img.example.cn/a.jpg?x=1&y=2", {"leaking": "no"}, "facility_repair",
        "zhang@example.cn")


def test_a_retry_is_the_same_case(system, fmt, hotline):
    first = new_request(hotline, fmt, "retry")
    again = new_request(hotline, fmt, "retry")
    assert again["service_request_id"] == first["service_request_id"]
    assert "重复" in again["service_notice"]
    # The client's own id wins over the content: a retry with a field
    # changed is still the same report.
    own = new_request(hotline, fmt, "own-1", client_request_id=f"fms-{fmt}-1")
    own2 = new_request(hotline, fmt, "own-2", client_request_id=f"fms-{fmt}-1")
    assert own2["service_request_id"] == own["service_request_id"]
    other = new_request(hotline, fmt, "retry", device_id="another-phone")
    assert other["service_request_id"] != first["service_request_id"]


def test_emergency_attribute_makes_an_emergency(system, fmt, hotline):
    r = new_request(hotline, fmt, "trapped", service_code="elevator",
                    description=f"电梯困人了 {fmt}", **{"attribute[trapped]": "yes"})
    assert system.petition("case", r["service_request_id"])["urgency"] == "emergency"


def test_lat_long_locates_the_nearest_compound_within_the_radius(system, fmt, hotline):
    # 帝豪花园 (JA-DH-HB-1-01) is at 30.61, 114.30 in the sample registry:
    # 0.001 degrees of latitude is about 111 m.
    r = new_request(hotline, fmt, "pos", address_string="", lat="30.611", long="114.3005")
    got = one_request(hotline, fmt, r["service_request_id"])
    assert got["address_id"] == "JA-DH-HB-1-01"
    assert float(got["lat"]) == pytest.approx(30.611) and float(got["long"]) == \
        pytest.approx(114.3005)
    # Far from every compound (about 5 km away): placed as unlocated.
    far = new_request(hotline, fmt, "far", address_string="", lat="30.66", long="114.30")
    got = one_request(hotline, fmt, far["service_request_id"])
    assert got["address_id"] in (None, ""), got
    assert system.petition("case", far["service_request_id"])["compound"] == ""


def test_get_requests_filters(system, fmt, hotline):
    a = new_request(hotline, fmt, "filter-a")
    b = new_request(hotline, fmt, "filter-b", service_code="sanitation",
                    description=f"垃圾堆了三天没人清 {fmt}")
    ids = f"{a['service_request_id']},{b['service_request_id']}"
    status, _, body = hotline.get("requests", api_key=hotline.api_key, service_request_id=ids)
    got = items(fmt, body, "service_requests", "request")
    assert status == 200 and {g["service_request_id"] for g in got} == set(ids.split(","))
    status, _, body = hotline.get("requests", api_key=hotline.api_key, service_code="sanitation")
    got = items(fmt, body, "service_requests", "request")
    assert b["service_request_id"] in [g["service_request_id"] for g in got]
    assert all(g["service_code"] == "sanitation" for g in got)
    status, _, body = hotline.get("requests", api_key=hotline.api_key, status="closed")
    assert status == 200
    assert a["service_request_id"] not in [
        g["service_request_id"] for g in items(fmt, body, "service_requests", "request")]
    # Newest first, at most 1000, within 90 days.
    status, _, body = hotline.get("requests", api_key=hotline.api_key)
    got = items(fmt, body, "service_requests", "request")
    assert status == 200 and 2 <= len(got) <= 1000
    stamps = [g["requested_datetime"] for g in got]
    assert stamps == sorted(stamps, reverse=True)
    status, _, body = hotline.get("requests", api_key=hotline.api_key,
                                  start_date="2026-01-01T00:00:00+08:00",
                                  end_date="2026-06-01T00:00:00+08:00")
    assert status == 400 and "90 days" in error(fmt, body)[1]
    status, _, body = hotline.get("requests", api_key=hotline.api_key, start_date="yesterday")
    assert status == 400
    status, _, body = hotline.get("requests/LD-00000000-000000", api_key=hotline.api_key)
    assert status == 404 and error(fmt, body)[0] == 404


def test_token_names_the_request(system, fmt, hotline):
    r = new_request(hotline, fmt, "token")
    status, _, body = hotline.get(f"tokens/{r['token']}", api_key=hotline.api_key)
    got = items(fmt, body, "service_requests", "request")
    assert status == 200 and got[0]["service_request_id"] == r["service_request_id"]
    status, _, body = hotline.get("tokens/o311-nothing", api_key=hotline.api_key)
    assert status == 404


def test_xml_escapes_what_the_resident_wrote(system):
    c = Open311(system.http, system.api_keys["hotline"], "xml")
    text = "灯坏了 <b>&amp; \"引号\" 'x' ]]> </description>"
    r = new_request(c, "xml", "esc", description=text)
    got = one_request(c, "xml", r["service_request_id"])
    assert got["description"] == text


# ---------------------------------------------------------------- channels

def test_a_front_end_reads_only_its_own_channel(system, fmt, hotline):
    r = new_request(hotline, fmt, "mine")
    mailbox = Open311(system.http, system.api_keys["mailbox"], fmt)
    status, _, body = mailbox.get(f"requests/{r['service_request_id']}", api_key=mailbox.api_key)
    assert status == 404 and error(fmt, body)[0] == 404
    status, _, body = mailbox.get(f"tokens/{r['token']}", api_key=mailbox.api_key)
    assert status == 404
    status, _, body = mailbox.get("requests", api_key=mailbox.api_key)
    assert r["service_request_id"] not in [
        g["service_request_id"] for g in items(fmt, body, "service_requests", "request")]
    status, _, body = mailbox.call("POST", "servicerequestupdates", form={
        "api_key": mailbox.api_key, "service_request_id": r["service_request_id"],
        "description": "别人的诉求"})
    assert status == 404, body
    # The same report text from the mailbox front-end is its own case.
    m = new_request(mailbox, fmt, "mine")
    assert m["service_request_id"] != r["service_request_id"]
    assert system.petition("case", m["service_request_id"])["channel"] == "mailbox"


# ---------------------------------------------------------------- updates

def updates(client, fmt, **q):
    status, _, body = client.get("servicerequestupdates", api_key=client.api_key, **q)
    assert status == 200, body
    return items(fmt, body, "service_request_updates", "request_update")


def test_updates_after_the_desk_answers_and_the_resident_rates(system, fmt, hotline):
    r = new_request(hotline, fmt, "updates")
    case_id = r["service_request_id"]
    body_id = system.petition("case", case_id)["body_id"]
    desk = f"body.{body_id}"
    system.petition("reply", case_id, "--body", body_id, "--text", "已派电工明天上门维修",
                    identity=desk, json=False)
    mine = [u for u in updates(hotline, fmt) if u["service_request_id"] == case_id]
    assert [(u["external_status_code"], u["status"]) for u in mine] == [("reply", "IN_PROGRESS")]
    assert mine[0]["description"] == "已派电工明天上门维修"
    assert mine[0]["updated_datetime"].endswith("+08:00")
    assert one_request(hotline, fmt, case_id)["status_notes"] == "已派电工明天上门维修"
    system.petition("resolve", case_id, "--body", body_id, "--text", "灯已更换，恢复照明",
                    identity=desk, json=False)
    mine = [u for u in updates(hotline, fmt) if u["service_request_id"] == case_id]
    assert [u["external_status_code"] for u in mine] == ["reply", "resolution"]
    assert mine[1]["status"] == "FIXED"
    ids = [int(u["update_id"]) for u in mine]
    assert ids == sorted(ids) and len(set(ids)) == 2
    # Stable: asked again, the same ids.
    again = [u for u in updates(hotline, fmt) if u["service_request_id"] == case_id]
    assert [u["update_id"] for u in again] == [u["update_id"] for u in mine]
    assert one_request(hotline, fmt, case_id)["status"] == "closed"
    # The resident says it is not fixed: the rating reopens the case (重办).
    form = {"api_key": hotline.api_key, "service_request_id": case_id, "rating": "不满意",
            "description": "灯还是不亮", "update_id": f"fms-{fmt}-rate-1"}
    status, _, body = hotline.call("POST", "servicerequestupdates", form=form)
    assert status == 200, body
    first = items(fmt, body, "service_request_updates", "request_update")[0]["update_id"]
    # A retry records nothing new.
    status, _, body = hotline.call("POST", "servicerequestupdates", form=form)
    assert status == 200
    assert items(fmt, body, "service_request_updates", "request_update")[0]["update_id"] == first
    c = system.petition("case", case_id)
    kinds = [e["kind"] for e in c["events"]]
    assert kinds.count("rated") == 1 and kinds.count("commented") == 1, kinds
    rated = [e for e in c["events"] if e["kind"] == "rated"][0]
    assert rated["note"] == "dissatisfied" and c["state"] == "replied"
    mine = [u for u in updates(hotline, fmt) if u["service_request_id"] == case_id]
    assert [u["external_status_code"] for u in mine] == ["reply", "resolution", "reopen"]
    # The other channel's front-end sees none of it.
    mailbox = Open311(system.http, system.api_keys["mailbox"], fmt)
    assert case_id not in [u["service_request_id"] for u in updates(mailbox, fmt)]


def test_comment_goes_into_the_case_history(system, fmt, hotline):
    r = new_request(hotline, fmt, "comment")
    form = {"api_key": hotline.api_key, "service_request_id": r["service_request_id"],
            "description": "晚上七点后家里有人"}
    status, _, body = hotline.call("POST", "servicerequestupdates", form=form)
    assert status == 200
    uid = items(fmt, body, "service_request_updates", "request_update")[0]["update_id"]
    status, _, body = hotline.call("POST", "servicerequestupdates", form=form)
    assert items(fmt, body, "service_request_updates", "request_update")[0]["update_id"] == uid
    ev = [e for e in system.petition("case", r["service_request_id"])["events"]
          if e["kind"] == "commented"]
    assert len(ev) == 1 and ev[0]["note"] == "晚上七点后家里有人"
    assert ev[0]["actor"].startswith("frontend:hotline") or liandong_insecure()
    # A comment does not change the case.
    assert ev[0]["from_state"] == ev[0]["to_state"]
    status, _, body = hotline.call("POST", "servicerequestupdates", form={
        "api_key": hotline.api_key, "service_request_id": r["service_request_id"],
        "rating": "perfect"})
    assert status == 400


def liandong_insecure():
    import liandong
    return liandong.INSECURE


# ---------------------------------------------------------------- HTTP edges

def raw(system, data, timeout=10):
    """Sends bytes as they are; the status line and the whole answer."""
    import socket
    with socket.create_connection(("127.0.0.1", system.ports["gateway"]), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out and b"Content-Length: " in out:
                    head, _, body = out.partition(b"\r\n\r\n")
                    n = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                    if len(body) >= n:
                        break
        except (ConnectionResetError, socket.timeout):
            pass
    return out.split(b"\r\n", 1)[0], out


def test_http_limits_answer_before_reading_and_the_gateway_goes_on(system):
    # A body over the route's 64 KiB: 413 from the Content-Length alone.
    status, out = raw(system, b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Type: application/x-www-form-urlencoded\r\n"
                              b"Content-Length: 10000000\r\n\r\n" + b"a" * 1000)
    assert b" 413 " in status, out[:300]
    assert b"<html" not in out.lower()
    # A chunked body that grows past it: 413 as soon as it does.
    chunk = b"a" * 70000
    status, out = raw(system, b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Type: application/x-www-form-urlencoded\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\n"
                              + b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n")
    assert b" 413 " in status, out[:300]
    # Headers beyond the per-connection memory: refused, not read on.
    status, out = raw(system, b"GET /open311/v2/services.json HTTP/1.1\r\nHost: x\r\nX-Big: "
                              + b"b" * 100000 + b"\r\n\r\n")
    assert status == b"" or b" 431 " in status or b" 413 " in status or b" 400 " in status, \
        status
    # A malformed escape in the query: 400, not a guess.
    status, out = raw(system, b"GET /open311/v2/requests.json?api_key=%zz HTTP/1.1\r\n"
                              b"Host: x\r\nConnection: close\r\n\r\n")
    assert b" 400 " in status, out[:300]
    # Outside Open311: plain 404.
    status, out = raw(system, b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b" 404 " in status
    # And it still serves.
    status, _, body = Open311(system.http, fmt="json").get("discovery")
    assert status == 200
    system.assert_alive()


# ------------------------------------------------- the same reads on ZeroMQ

def ledger_ask(system, identity, **body):
    import liandong
    from liandong import pb
    env = pb.Envelope(request_id=liandong.new_request_id("ch"))
    for k, v in body.items():
        getattr(env, k).CopyFrom(v)
    with system.wire("ledger", identity=identity, timeout=10) as w:
        ans = w.request(env, 10)
    assert ans is not None, "no answer"
    return ans


def test_zeromq_front_end_looks_up_by_ticket_and_polls_updates(system):
    import liandong
    from liandong import pb
    if liandong.INSECURE:
        pytest.skip("scoping by key needs CURVE")
    ticket = liandong.new_request_id("EXT")
    sub = system.petition("submit", "--channel", "hotline", "--id", ticket,
                          "--text", "3栋楼道的灯坏了", "--address", "鸿翔花园3栋")
    case_id = sub["case_id"]
    # By the channel's own ticket id, as its front-end.
    ans = ledger_ask(system, "frontend.hotline",
                     channel_cases_query=pb.ChannelCasesQuery(channel_ids=[ticket]))
    assert [c.record.case_id for c in ans.channel_case_list.cases] == [case_id]
    assert ans.channel_case_list.cases[0].body_name
    # Another channel's front-end: nothing, and naming hotline is FORBIDDEN.
    ans = ledger_ask(system, "frontend.wechat",
                     channel_cases_query=pb.ChannelCasesQuery(channel_ids=[ticket]))
    assert list(ans.channel_case_list.cases) == []
    ans = ledger_ask(system, "frontend.wechat",
                     channel_cases_query=pb.ChannelCasesQuery(channel="hotline"))
    assert ans.WhichOneof("body") == "error" and ans.error.code == pb.ErrorCode.ERROR_FORBIDDEN
    # An operator names the channel it reads.
    ans = ledger_ask(system, "operator.admin", channel_cases_query=pb.ChannelCasesQuery())
    assert ans.WhichOneof("body") == "error" and ans.error.code == pb.ErrorCode.ERROR_BAD_REQUEST
    ans = ledger_ask(system, "operator.admin", channel_cases_query=pb.ChannelCasesQuery(
        channel="hotline", channel_ids=[ticket]))
    assert [c.record.case_id for c in ans.channel_case_list.cases] == [case_id]
    # Updates after the last update_id the front-end has.
    before = ledger_ask(system, "frontend.hotline",
                        channel_updates_query=pb.ChannelUpdatesQuery(case_ids=[case_id]))
    assert list(before.channel_update_list.updates) == []
    body_id = system.petition("case", case_id)["body_id"]
    system.petition("reply", case_id, "--body", body_id, "--text", "已派电工明天上门维修",
                    identity=f"body.{body_id}", json=False)
    ups = ledger_ask(system, "frontend.hotline", channel_updates_query=pb.ChannelUpdatesQuery(
        case_ids=[case_id])).channel_update_list.updates
    assert [(u.kind, u.channel_id, u.note) for u in ups] == [("reply", ticket, "已派电工明天上门维修")]
    after = ledger_ask(system, "frontend.hotline", channel_updates_query=pb.ChannelUpdatesQuery(
        after_seq=ups[0].update_id, case_ids=[case_id]))
    assert list(after.channel_update_list.updates) == []
    other = ledger_ask(system, "frontend.wechat", channel_updates_query=pb.ChannelUpdatesQuery(
        case_ids=[case_id]))
    assert list(other.channel_update_list.updates) == []
