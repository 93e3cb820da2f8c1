"""test_registry_swap.py - a registry update never stalls the router's intake
(issue 12: "imports and reloads never stall intake (load beside, swap when
ready)"; services/router/registry_watch.c).

A registry of BIG_COMPOUNDS generated compounds (the sample's units plus a
generated district, about 9.5 MB of JSON) is imported while a front-end keeps
submitting demands and a prober keeps pinging the router. The router builds
the new registry's matchers and classifier on a worker thread and swaps them
in on its loop between two messages; meanwhile every ping must be answered
within PING_BOUND_S, every submission sent after the ledger acknowledged the
import (while the router fetches and loads it) within SUBMIT_BOUND_S, and
the new registry must be the one serving at the end (a demand for one of
the generated compounds is placed there).

Submissions sent while the ledger itself imports are held to the same
bound and must all succeed: the ledger imports on a connection of its own
(services/ledger/registry_import.c; test_import_beside.py loads it with
eight front-ends). Before that they waited for the import's transaction
(the test allowed 6 s then, and "unavailable" answers).

On the code before (e269e38: the registry parsed and built on the loop
thread), measured on this 2-core VM with 60,000 compounds (9.5 MB): a ping
waited 1.05 s and a submission 1.21 s after the ledger's answer, and the
test fails; after it, 0.12 s and 0.26 s with the machine's load average at
5.6 (0.02 s and 0.07 s quieter).
"""
import json
import os
import shutil
import threading
import time

import pytest

import liandong
from liandong import pb

SAN = "san" in liandong.BUILD
# 60,000 compounds are about 9 MB of JSON, over the ledger's default 4 MiB
# request limit: this module's system raises it (LIANDONG_MAX_MESSAGE).
BIG_COMPOUNDS = int(os.environ.get("LIANDONG_BIG_COMPOUNDS", "60000"))
MAX_MESSAGE = 32 << 20
# A ping is answered on the router's loop without anything else: its gap
# shows a stall directly. The sanitized build loads ~3x slower.
PING_BOUND_S = 0.6 if SAN else 0.3
SUBMIT_BOUND_S = 1.5 if SAN else 0.6
PING_EVERY_S = 0.005
WAIT = 60.0


@pytest.fixture(scope="module")
def system(request):
    """conftest's system, with room for a registry bigger than 4 MiB."""
    sysm = liandong.System()
    sysm.env["LIANDONG_MAX_MESSAGE"] = str(MAX_MESSAGE)
    sysm.start()
    request.node._liandong_system = sysm
    yield sysm
    sysm.stop(check=True)
    if not getattr(request.node, "_liandong_failed", False):
        shutil.rmtree(sysm.workdir, ignore_errors=True)


def big_registry(n):
    """The sample registry plus a district of n compounds, each with its
    community committee and street office (an import must leave no compound
    without them), every name and alias distinct."""
    with open(liandong.REGISTRY, encoding="utf-8") as f:
        doc = json.load(f)
    units, bodies = doc["units"], doc["bodies"]
    units.append({"code": "JA-FT", "kind": "district", "name": "扩建区", "parent": "JA"})
    per_comm, per_street = 40, 10
    for c in range((n + per_comm - 1) // per_comm):
        sc = f"JA-FT-S{c // per_street}"
        if c % per_street == 0:
            s = c // per_street
            units.append({"code": sc, "kind": "street", "name": f"扩建第{s}街道",
                          "parent": "JA-FT"})
            bodies.append({"id": f"{sc}-OFFICE", "kind": "street_office",
                           "name": f"扩建第{s}街道办事处", "units": [sc]})
        cc = f"{sc}-C{c}"
        units.append({"code": cc, "kind": "community", "name": f"扩建第{c}社区", "parent": sc})
        bodies.append({"id": f"{cc}-RC", "kind": "community_committee",
                       "name": f"扩建第{c}社区居委会", "units": [cc]})
    for i in range(n):
        c = i // per_comm
        cc = f"JA-FT-S{c // per_street}-C{c}"
        units.append({"code": f"{cc}-{i}", "kind": "compound", "name": f"扩建第{i}号花园",
                      "parent": cc, "aliases": [f"扩建{i}号院"]})
    return doc, f"JA-FT-S{((n - 1) // per_comm) // per_street}-C{(n - 1) // per_comm}-{n - 1}"


class Prober(threading.Thread):
    """Pings the router (or submits demands) back to back, keeping each
    answer's latency and the moment it was sent."""

    def __init__(self, system, submit):
        super().__init__(daemon=True)
        self.system, self.submit = system, submit
        self.samples = []       # (sent at, latency or None for no answer)
        self.halt = threading.Event()
        self.errors = []

    def run(self):
        try:
            with self.system.wire("router", timeout=WAIT) as w:
                i = 0
                while not self.halt.is_set():
                    env = pb.Envelope()
                    if self.submit:
                        d = env.submit_demand.demand
                        d.channel, d.channel_id = "hotline", f"swap-{i}"
                        d.compound, d.text = "JA-DH-CZ-1-01", "3栋楼道的灯坏了"
                    else:
                        env.ping.SetInParent()
                    t0 = time.monotonic()
                    ans = w.request(env, WAIT)
                    lat = time.monotonic() - t0
                    self.samples.append((t0, lat if ans is not None else None))
                    if ans is not None and ans.WhichOneof("body") == "error":
                        self.errors.append((t0, ans.error.code, str(ans.error)))
                    i += 1
                    if not self.submit:
                        time.sleep(PING_EVERY_S)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append((0.0, None, repr(e)))

    def worst(self, since):
        lats = [lat for t, lat in self.samples if t >= since]
        return lats, (max((x for x in lats if x is not None), default=0.0)
                      if None not in lats else None)


def router_version(system):
    with system.wire("router", timeout=WAIT) as w:
        return w.ping(WAIT).pong.version


def test_big_registry_loads_beside_without_stalling_intake(system):
    doc, last = big_registry(BIG_COMPOUNDS)
    text = json.dumps(doc, ensure_ascii=False)
    before = router_version(system)
    pinger, submitter = Prober(system, False), Prober(system, True)
    pinger.start()
    submitter.start()
    try:
        time.sleep(1.0)     # a baseline before the import
        t_import = time.monotonic()
        env = pb.Envelope()
        env.registry_import.json = text
        with system.wire("ledger", identity="admin.root", timeout=WAIT) as w:
            ans = w.request(env, WAIT)
        t_imported = time.monotonic()
        assert ans is not None and ans.WhichOneof("body") != "error", ans
        # The router polls the ledger every 2 s; then loads beside and swaps.
        end = time.monotonic() + WAIT
        while router_version(system) == before:
            assert time.monotonic() < end, "the router never took the new registry\n" \
                + system.logs()
            time.sleep(0.1)
        t_swapped = time.monotonic()
        time.sleep(1.0)     # and a little after the swap
    finally:
        pinger.halt.set()
        submitter.halt.set()
        pinger.join(WAIT)
        submitter.join(WAIT)
    # The ledger imports beside its batches: nothing but success throughout.
    bad = pinger.errors + submitter.errors
    assert not bad, bad
    pings, ping_worst = pinger.worst(t_import)
    all_subs, import_worst = submitter.worst(t_import)
    subs, sub_worst = submitter.worst(t_imported)
    print(f"\nregistry of {BIG_COMPOUNDS} compounds ({len(text.encode()) / 1e6:.1f} MB): the "
          f"ledger imported it in {t_imported - t_import:.2f} s, the router swapped "
          f"{t_swapped - t_imported:.2f} s later; {len(pings)} pings, worst {ping_worst} s; "
          f"submissions: worst {import_worst} s of {len(all_subs)} from the import on, "
          f"{sub_worst} s of {len(subs)} after the ledger's answer")
    assert len(pings) > 50 and len(subs) > 5, (len(pings), len(subs))
    assert import_worst is not None and import_worst <= SUBMIT_BOUND_S, \
        f"a submission waited {import_worst} s while the ledger imported (bound " \
        f"{SUBMIT_BOUND_S} s)"
    assert ping_worst is not None and ping_worst <= PING_BOUND_S, \
        f"a ping waited {ping_worst} s while the registry loaded (bound {PING_BOUND_S} s)"
    assert sub_worst is not None and sub_worst <= SUBMIT_BOUND_S, \
        f"a submission waited {sub_worst} s while the registry loaded (bound {SUBMIT_BOUND_S} s)"
    # The new registry serves: one of its compounds is placed.
    with system.wire("router", timeout=WAIT) as w:
        env = pb.Envelope()
        d = env.submit_demand.demand
        d.channel, d.channel_id, d.compound = "hotline", "swap-new", last
        d.text = "楼道的灯坏了"
        ans = w.request(env, WAIT)
    assert ans is not None and ans.WhichOneof("body") == "submit_ack", ans


@pytest.mark.parametrize("rounds", [3])
def test_reloads_back_to_back_keep_the_last(system, rounds):
    """Registries imported faster than the router polls: it ends on the
    last version, never on a half-built or older one."""
    doc, _ = big_registry(2000)
    for i in range(rounds):
        doc["units"][0]["name"] = f"江岸市{i}"
        env = pb.Envelope()
        env.registry_import.json = json.dumps(doc, ensure_ascii=False)
        with system.wire("ledger", identity="admin.root", timeout=WAIT) as w:
            ans = w.request(env, WAIT)
        assert ans is not None and ans.WhichOneof("body") != "error", ans
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT max(version) FROM registry_versions")
        want = cur.fetchone()[0]
    end = time.monotonic() + WAIT
    while router_version(system) != want:
        assert time.monotonic() < end, f"router not on version {want}\n" + system.logs()
        time.sleep(0.1)


def test_router_stopped_while_a_registry_loads_exits_cleanly(system):
    """SIGTERM while a registry is being built beside the live one: the
    router waits for the worker, discards what it built and exits 0 (on the
    sanitized build: with no leak); started again, it serves that version.
    Shown failing: with the discarded core and registry not freed, the
    sanitized router exits -6 (LeakSanitizer) and this test fails."""
    doc, last = big_registry(BIG_COMPOUNDS)
    doc["units"][0]["name"] = "江岸市停"
    router = system.services["router"]
    log = router.log_path
    with open(log, "rb") as f:
        seen = len(f.read())
    env = pb.Envelope()
    env.registry_import.json = json.dumps(doc, ensure_ascii=False)
    with system.wire("ledger", identity="admin.root", timeout=WAIT) as w:
        ans = w.request(env, WAIT)
    assert ans is not None and ans.WhichOneof("body") == "registry_imported", ans
    version = ans.registry_imported.version
    want = f"registry: building ledger version {version} beside the live one"
    end = time.monotonic() + WAIT
    while True:
        with open(log, "rb") as f:
            text = f.read()[seen:].decode("utf-8", "replace")
        if want in text:
            break
        assert time.monotonic() < end, "the router never started loading\n" + system.logs()
        time.sleep(0.01)
    rc = router.stop()
    with open(log, "rb") as f:
        text = f.read()[seen:].decode("utf-8", "replace")
    assert rc == 0, f"router exited {rc}\n" + text[-3000:]
    assert f"ledger version {version} built during shutdown, discarded" in text, text[-3000:]
    system.services["router"] = liandong.Service("router", liandong.router_argv(system.ep),
                                                 system.log_dir, system.env)
    end = time.monotonic() + WAIT
    while True:
        try:
            if router_version(system) == version:
                break
        except (AttributeError, AssertionError):
            pass
        assert time.monotonic() < end, f"router not on version {version}\n" + system.logs()
        time.sleep(0.2)
    with system.wire("router", timeout=WAIT) as w:
        env = pb.Envelope()
        d = env.submit_demand.demand
        d.channel, d.channel_id, d.compound = "hotline", "swap-after-stop", last
        d.text = "楼道的灯坏了"
        ans = w.request(env, WAIT)
    assert ans is not None and ans.WhichOneof("body") == "submit_ack", ans
