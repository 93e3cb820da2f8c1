"""Two ledgers on one database, one writer (issue 17, docs/failover.md).

Ledger A starts first and takes the database's writer lock; ledger B finds
it held and stands by with its sockets unbound. A client connected to both
(an endpoint list: a DEALER with ZMQ_IMMEDIATE) submits demands
continuously, resending each under the same request id when it is not
answered; A is killed with SIGKILL in the middle. B must take the lock and
serve within seconds, every acknowledged demand must be stored exactly once
under the case it was acknowledged with, and the event stream (a SUB on
both ledgers' streams) must go on in seq order from the new writer.

Cheap: about 5 s. On the code before issue 17's second part it fails at
once: B writes alongside A and never stands by.
"""
import re
import signal
import time
import urllib.request

import psycopg2
import zmq

import liandong
from liandong import pb
from test_ledger import Ledger, REGISTRY, demand, pg, rid  # noqa: F401 (pg: the fixture)

RESEND_S = 1.0          # a front-end's resend period for an unanswered demand
BEFORE, AFTER = 30, 30  # acknowledgements before the kill, and after it
MAX_GAP_S = 5.0         # the takeover measured ~1 s (standby retry 0.5 s + connect)


class Client:
    """Demands on both ledgers, WINDOW in flight, each resent under its
    request id until it is acknowledged."""
    WINDOW = 4

    def __init__(self, endpoints):
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.IMMEDIATE, 1)
        self.sock.setsockopt(zmq.SNDTIMEO, 0)
        for ep in endpoints:
            self.sock.connect(ep)
        self.pending = {}  # request id -> [envelope, last send time]
        self.acked = {}    # channel id -> case id
        self.ack_times = []
        self.errors = []

    def _send(self, rid_, entry):
        entry[1] = time.monotonic()
        try:
            self.sock.send_multipart(list(liandong.WIRE_PREFIX) + [entry[0].SerializeToString()])
        except zmq.Again:
            pass  # no ledger bound right now: resent after RESEND_S

    def step(self):
        while len(self.pending) < self.WINDOW:
            env = pb.Envelope(request_id=rid("fo"), create_case=demand())
            self.pending[env.request_id] = entry = [env, 0.0]
            self._send(env.request_id, entry)
        if self.sock.poll(50):
            frames = self.sock.recv_multipart()
            ans = pb.Envelope()
            ans.ParseFromString(frames[-1])
            entry = self.pending.get(ans.request_id)
            if entry is not None:
                kind = ans.WhichOneof("body")
                if kind == "case_created":
                    ch = entry[0].create_case.demand.channel_id
                    prev = self.acked.setdefault(ch, ans.case_created.case_id)
                    assert prev == ans.case_created.case_id, (ch, prev, ans)
                    self.ack_times.append(time.monotonic())
                    del self.pending[ans.request_id]
                elif ans.error.code == pb.ErrorCode.ERROR_UNAVAILABLE:
                    entry[1] = time.monotonic() - RESEND_S + 0.1  # again in 0.1 s
                else:
                    self.errors.append(ans)
        now = time.monotonic()
        for rid_, entry in self.pending.items():
            if now - entry[1] >= RESEND_S:
                self._send(rid_, entry)

    def run_until(self, n, timeout, why):
        deadline = time.monotonic() + timeout
        while len(self.acked) < n:
            assert time.monotonic() < deadline, f"{why}: {len(self.acked)} of {n} acknowledged"
            self.step()
            assert not self.errors, self.errors


def events(sub):
    out = []
    while sub.poll(0):
        frames = sub.recv_multipart()
        env = pb.Envelope()
        env.ParseFromString(frames[-1])
        if env.WhichOneof("body") == "case_event":
            out.append(env.case_event.seq)
    return out


def writer_gauge(port):
    """liandong_ledger_writer from a ledger's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    m = re.search(r"^liandong_ledger_writer (\d+)$", text, re.M)
    assert m, text[:2000]
    return int(m.group(1))


def test_standby_takes_over_writes(pg):  # noqa: F811
    mports = liandong.free_ports(2)
    a = Ledger(pg["workdir"], pg["conninfo"], "writer-a",
               extra_args=("--metrics", f"127.0.0.1:{mports[0]}"))
    b = None
    client = sub = None
    try:
        a.wait_ready()
        ans = a.call(registry_import=pb.RegistryImport(json=open(REGISTRY, encoding="utf-8").read()))
        assert ans.WhichOneof("body") == "registry_imported", ans
        b = Ledger(pg["workdir"], pg["conninfo"], "standby-b",
                   extra_args=("--metrics", f"127.0.0.1:{mports[1]}"))
        b.wait_standby()
        assert b.client.ping(timeout=1.0) is None  # unbound: clients go to A only
        # /metrics says which one writes (an operator's alert: exactly one)
        assert writer_gauge(mports[0]) == 1 and writer_gauge(mports[1]) == 0

        sub = zmq.Context.instance().socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(a.events)
        sub.connect(b.events)
        client = Client([a.ep, b.ep])
        time.sleep(0.3)  # the subscription reaches A before the first event
        client.run_until(BEFORE, 30, "before the kill")
        seqs = events(sub)

        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        killed = time.monotonic()
        client.run_until(BEFORE + AFTER, 30, "after the writer was killed")
        took_over = "took over" in open(b.log_path, encoding="utf-8").read()
        assert took_over, b.log()
        assert writer_gauge(mports[1]) == 1
        times = [killed] + [t for t in client.ack_times if t > killed]
        gap = max(t2 - t1 for t1, t2 in zip(times, times[1:]))
        print(f"\nlongest time without an acknowledgement across the takeover: {gap:.2f} s")
        assert gap < MAX_GAP_S, f"{gap:.1f} s without an acknowledgement\n{b.log()}"

        # Every acknowledged demand stored once, under the acknowledged case.
        conn = psycopg2.connect(pg["conninfo"])
        cur = conn.cursor()
        cur.execute("SELECT channel_id, case_id FROM cases WHERE channel_id = ANY(%s)",
                    (list(client.acked),))
        rows = cur.fetchall()
        conn.close()
        assert len(rows) == len(client.acked)
        assert dict(rows) == client.acked

        # The stream goes on from the new writer, in the database's order.
        time.sleep(0.3)
        later = events(sub)
        assert seqs and later, (seqs, later)
        assert min(later) > max(seqs), (seqs, later)
        seqs += later
        assert seqs == sorted(set(seqs)), seqs
    finally:
        if client is not None:
            client.sock.close(0)
        if sub is not None:
            sub.close(0)
        a.stop()
        if b is not None:
            assert b.stop() == 0, b.log()

