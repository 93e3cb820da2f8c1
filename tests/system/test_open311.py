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
