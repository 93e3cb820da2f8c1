"""test_memory_bound.py - nothing an authenticated client sends makes a
service hold more than a bounded amount of memory, and good requests are
answered meanwhile (issue 12, "Done when": 100,000 subscriptions, 1,000
oversized frames and 100,000 garbage messages from authenticated peers).

A hostile peer (mem_flood.py, a detached process with valid keys: two
operators on the streams, a front-end on the router, a body on the desk
socket, the administrator's operator key on the ledger and the notifier)
sends, within FLOOD_S seconds, SUBS subscriptions to each stream, OVERSIZED
frames over the sockets' --max-message and GARBAGE messages that are not
requests. Meanwhile a good front-end submits demands back to back and pings
the ledger and the notifier. Throughout, and for SETTLE_S after, the
resident memory (VmRSS) of the router, the ledger and the notifier is read
from /proc every 0.2 s: each may grow by at most RSS_BOUND_MB over what it
held before the flood, and the good requests' p99 must stay within
P99_BOUND_S (every one answered).

Sizes come from the environment (LIANDONG_MEM_SUBS, _OVERSIZED, _GARBAGE,
_FLOOD_S) so a slower machine can run smaller floods; the defaults are the
issue's full sizes. Plain build only: ASan's quarantine keeps freed memory
resident (as in test_hardening and test_streams).

Measured at full sizes on the 2-core VM (the flood took 18 s, 31 s with the
fault campaign running beside it): router +0.6-0.8 MB, ledger +6.9-9.6 MB,
notifier +1.1-1.3 MB; p99 during the flood: submit 23-33 ms, pings 4-7 ms. On
5a4a9e7 (before lib/stream_pub, built apart and run with LIANDONG_BUILD
pointing at it) the ledger grew +362.3 MB and the test fails.
"""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

import liandong
from liandong import pb

SAN = "san" in liandong.BUILD
pytestmark = [pytest.mark.skipif(liandong.INSECURE, reason="the flood uses CURVE keys"),
              pytest.mark.skipif(SAN, reason="ASan keeps freed memory resident")]

SUBS = int(os.environ.get("LIANDONG_MEM_SUBS", "100000"))
OVERSIZED = int(os.environ.get("LIANDONG_MEM_OVERSIZED", "1000"))
GARBAGE = int(os.environ.get("LIANDONG_MEM_GARBAGE", "100000"))
FLOOD_S = float(os.environ.get("LIANDONG_MEM_FLOOD_S", "60"))
SETTLE_S = 3.0
RSS_BOUND_MB = 64.0
P99_BOUND_S = 0.5
WAIT = 30.0
SERVICES = ("router", "ledger", "notifier")


def vmrss_mb(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS")


def new_operator(system, name):
    system.petition("keys", "new", "--role", "operator", "--id", name, "--dir",
                    system.keys_dir, json=False)
    return f"operator.{name}"


class GoodClient(threading.Thread):
    """Submits a demand, pings the ledger and the notifier, over and over;
    keeps each answer's latency (None: no answer within WAIT)."""

    def __init__(self, system):
        super().__init__(daemon=True)
        self.system = system
        self.lat = {"submit": [], "ledger ping": [], "notifier ping": []}
        self.halt = threading.Event()
        self.errors = []

    def run(self):
        try:
            front = self.system.wire("router", timeout=WAIT)
            ledger = self.system.wire("ledger", timeout=WAIT)
            notifier = liandong.WireClient(
                self.system.ep["notifier"], timeout=WAIT,
                curve=(liandong.load_key(self.system.keys_dir, "operator.admin"),
                       liandong.load_key(self.system.keys_dir, "service.notifier",
                                         public_only=True)["public"]))
            i = 0
            while not self.halt.is_set():
                env = pb.Envelope()
                d = env.submit_demand.demand
                d.channel, d.channel_id = "hotline", f"mem-{i}"
                d.compound, d.text = "JA-DH-CZ-1-01", "3栋楼道的灯坏了"
                self._timed("submit", lambda: front.request(env, WAIT), "submit_ack")
                self._timed("ledger ping", lambda: ledger.ping(WAIT), "pong")
                self._timed("notifier ping", lambda: notifier.ping(WAIT), "pong")
                i += 1
                time.sleep(0.02)
            for c in (front, ledger, notifier):
                c.close()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))

    def _timed(self, what, call, want):
        t0 = time.monotonic()
        ans = call()
        if ans is None or ans.WhichOneof("body") != want:
            self.errors.append(f"{what}: {ans}")
            self.lat[what].append((t0, None))
            return
        self.lat[what].append((t0, time.monotonic() - t0))

    def during(self, what, start, end):
        """Latencies of the requests sent between start and end."""
        return [lat for t, lat in self.lat[what] if start <= t <= end]


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.99 * len(xs)))] if xs else None


def test_floods_leave_memory_and_latency_bounded(system):
    ops = [new_operator(system, "memev"), new_operator(system, "memal")]
    time.sleep(1.5)  # the services re-read the keys directory every half second
    pids = {n: system.services[n].proc.pid for n in SERVICES}
    good = GoodClient(system)
    good.start()
    time.sleep(2.0)
    base = {n: vmrss_mb(p) for n, p in pids.items()}
    peak = dict(base)
    out = os.path.join(system.workdir, "mem_flood.json")
    flooder = None
    t0 = time.monotonic()
    try:
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "mem_flood.py"),
                        "--keys", system.keys_dir, "--ep", json.dumps(system.ep),
                        "--ops", ",".join(ops), "--subs", str(SUBS),
                        "--oversized", str(OVERSIZED), "--garbage", str(GARBAGE),
                        "--seconds", str(FLOOD_S), "--out", out], check=True, timeout=10)
        settle_until = t_done = None
        while settle_until is None or time.monotonic() < settle_until:
            for n, p in pids.items():
                peak[n] = max(peak[n], vmrss_mb(p))
            if settle_until is None and os.path.exists(out):
                t_done = time.monotonic()
                settle_until = t_done + SETTLE_S
            assert time.monotonic() - t0 < FLOOD_S + 30, "the flood did not end in time"
            time.sleep(0.2)
        with open(out, encoding="utf-8") as f:
            sent = json.load(f)
        flooder = sent["pid"]
    finally:
        good.halt.set()
        good.join(WAIT * 3)
        if flooder is None and os.path.exists(out):
            with open(out, encoding="utf-8") as f:
                flooder = json.load(f)["pid"]
        if flooder is not None:
            try:
                os.kill(flooder, 9)
            except ProcessLookupError:
                pass
    grown = {n: peak[n] - base[n] for n in SERVICES}
    # The good requests sent while the flood went on.
    flood_lat = {k: good.during(k, t0, t_done) for k in good.lat}
    lat = {k: p99([x for x in v if x is not None]) for k, v in flood_lat.items()}
    print(f"\nflood in {sent['seconds']} s: {sent}\nVmRSS before "
          + ", ".join(f"{n} {base[n]:.1f}" for n in SERVICES) + " MB; grown at most "
          + ", ".join(f"{n} +{grown[n]:.1f}" for n in SERVICES)
          + " MB\ngood requests p99 during the flood: "
          + ", ".join(f"{k} {v * 1000:.0f} ms ({len(flood_lat[k])})" for k, v in lat.items()
                      if v is not None))
    assert not good.errors, good.errors[:5]
    # The whole flood went out within the time given (or the test proves
    # nothing about the sizes it names).
    assert sent["subs_sent"] == 2 * SUBS and sent["oversized_sent"] == OVERSIZED \
        and sent["garbage_sent"] == GARBAGE, sent
    # The oversized frames within the transport limit were answered.
    assert sent["too_large"] > 0, sent
    for n in SERVICES:
        assert grown[n] <= RSS_BOUND_MB, f"{n} grew {grown[n]:.1f} MB (bound {RSS_BOUND_MB})"
    for k, v in lat.items():
        assert v is not None and v <= P99_BOUND_S, f"{k} p99 {v} s (bound {P99_BOUND_S} s)"
    system.assert_alive()
