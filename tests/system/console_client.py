"""console_client.py - a small HTTP client for the web console's system
tests (test_console*.py): a cookie of its own, redirects not followed (the
tests look at them), forms posted as a browser posts them. Standard
library only (http.client), over loopback to the gateway the harness runs.
"""
import html
import http.client
import re
import urllib.parse


class Console:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.cookie = None

    def request(self, method, path, form=None, headers=None):
        """(status, headers dict (lower-case names), body text)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode("utf-8")
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            h["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            hdrs.setdefault(k.lower(), []).append(v)
        conn.close()
        for sc in hdrs.get("set-cookie", []):
            name_value = sc.split(";", 1)[0]
            if name_value.startswith("ld_console="):
                self.cookie = None if name_value == "ld_console=" else name_value
        return r.status, {k: v[-1] for k, v in hdrs.items()}, data.decode("utf-8", "replace")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def login(self, principal, password):
        return self.post("/console/login", {"principal": principal, "password": password})

    def csrf(self, path="/console/"):
        """The CSRF token of the page at path (every page's logout form has it)."""
        status, hdrs, body = self.get(path)
        if status == 303:
            status, hdrs, body = self.get(hdrs["location"])
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)
        assert m, f"no CSRF token on {path}: {status} {body[:300]}"
        return m.group(1)

    def act(self, case_id, action, csrf, **fields):
        form = {"id": case_id, "action": action, "csrf": csrf}
        form.update(fields)
        return self.post("/console/act", form)


def text_of(fragment):
    """The visible text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))
