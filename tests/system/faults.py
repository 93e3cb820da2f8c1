"""faults.py - the fault campaign shared by tests/system/test_faults.py (the
bounded run in `make test`) and tests/faults/campaign.py (`make faults`,
every fault, several minutes).

Front-ends (one thread and one CURVE key per channel) submit demands to the
router back to back, each resubmitted under the same channel id until it is
acknowledged, as ROUTING.md section 9 tells front-ends to do, while faults
are done to the system one after another:

  kill:router / kill:ledger / kill:notifier   SIGKILL, then start it again
  pg:fast                                     PostgreSQL fast shutdown, start
  pg:immediate                                SIGQUIT to the postmaster (an
                                              immediate shutdown: crash
                                              recovery at the next start)
  pg:freeze:N                                 SIGSTOP of every PostgreSQL
                                              process for N seconds, SIGCONT

After each fault the run waits until every front-end has had `progress`
more demands acknowledged (the system carries on by itself). At the end
`audit` reads the database and `check` compares: every acknowledged demand
is there exactly once under the case id its acknowledgement named (0 lost,
0 doubled), every case has one `created` event and it is the case's first,
and the event sequence is gap-free and unique. `check` is a pure function
of what was read, so test_faults.py also shows that each of its checks
fails on a record with one thing lost, doubled or missing.
"""
import os
import signal
import subprocess
import threading
import time

import liandong
from liandong import pb

E = pb.ErrorCode
CHANNELS = ("hotline", "wechat", "grid", "mailbox")
COMPOUND = "JA-DH-CZ-1-01"
SAN = "san" in liandong.BUILD
# Longer than the router's own wait for the ledger (--ledger-timeout-ms,
# 5 s by default): a demand the ledger never answered reads "unavailable"
# from the router; silence here means the router itself lost it (killed).
ANSWER_WAIT = 12.0 if SAN else 8.0


class FrontEnd(threading.Thread):
    """One front-end: demands one after another, each resubmitted under the
    same channel id until it is acknowledged. Counts what it was told."""

    def __init__(self, system, channel, tag):
        super().__init__(daemon=True)
        self.system, self.channel, self.tag = system, channel, tag
        self.acks = {}              # channel_id -> case_id of the first acknowledgement
        self.latencies = []         # seconds from first send to acknowledgement
        self.problems = []          # anything that breaks the contract
        self.unavailable = 0
        self.timeouts = 0
        self.resubmits = 0
        self.halt = threading.Event()
        self.lock = threading.Lock()

    def acked(self):
        with self.lock:
            return len(self.acks)

    def run(self):
        try:
            with self.system.wire("router", identity=liandong.frontend_identity(self.channel),
                                  timeout=ANSWER_WAIT) as w:
                i = 0
                while not self.halt.is_set():
                    self._submit(w, f"{self.tag}-{self.channel}-{i}")
                    i += 1
        except Exception as e:  # noqa: BLE001 - reported by the caller
            self.problems.append(f"{self.channel}: {e!r}")

    def _submit(self, w, channel_id):
        t0 = time.monotonic()
        tries = 0
        while not self.halt.is_set():
            env = pb.Envelope()
            d = env.submit_demand.demand
            d.channel, d.channel_id, d.compound = self.channel, channel_id, COMPOUND
            d.text = f"{channel_id} 3栋楼道的灯坏了"
            if tries:
                self.resubmits += 1
            tries += 1
            ans = w.request(env, ANSWER_WAIT)
            if ans is None:
                self.timeouts += 1
                continue
            kind = ans.WhichOneof("body")
            if kind == "submit_ack":
                with self.lock:
                    first = self.acks.setdefault(channel_id, ans.submit_ack.case_id)
                    self.latencies.append(time.monotonic() - t0)
                if first != ans.submit_ack.case_id:
                    self.problems.append(f"{channel_id}: case {ans.submit_ack.case_id} "
                                         f"after {first}")
                return
            if kind == "error" and ans.error.code == E.Value("ERROR_UNAVAILABLE"):
                self.unavailable += 1
                time.sleep(0.05)
                continue
            self.problems.append(f"{channel_id}: unexpected answer {ans}")
            return


# ----------------------------------------------------------------- faults

def pg_datadir(system):
    """Where pg.sh really keeps the cluster (it may move it, see pg.sh)."""
    r = subprocess.run(["bash", liandong.PG_SH, "datadir", system.pg_dir], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def pg_postmaster(system):
    with open(os.path.join(pg_datadir(system), "postmaster.pid"), encoding="ascii") as f:
        return int(f.readline())


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as f:
                st = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, split after ')'.
        if int(st[st.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(d))
    return out


def signal_if_there(pid, sig):
    """A backend may have ended since it was listed."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def pg_run(system, verb):
    args = ["bash", liandong.PG_SH, verb, system.pg_dir]
    if verb == "start":
        args.append(str(system.pg_port))
    r = subprocess.run(args, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, f"pg.sh {verb}: {r.stdout}\n{r.stderr}"


def wait_gone(pid, timeout=60.0):
    end = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}"):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                if f.read().split(") ")[-1].startswith("Z"):
                    return
        except OSError:
            return
        assert time.monotonic() < end, f"process {pid} still there after {timeout}s"
        time.sleep(0.05)


def restart_service(system, name):
    argv = {"router": lambda: liandong.router_argv(system.ep),
            "ledger": lambda: liandong.ledger_argv(system.ep, system.conninfo),
            "notifier": lambda: liandong.notifier_argv(system.ep)}[name]()
    system.services[name] = liandong.Service(name, argv, system.log_dir, system.env)


def kill_service(system, name, down_s):
    s = system.services[name]
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait()
    s._log.close()
    time.sleep(down_s)
    restart_service(system, name)


def do_fault(system, fault, down_s=1.0):
    """One fault, done and undone; returns when the component is back."""
    if fault.startswith("kill:"):
        kill_service(system, fault[5:], down_s)
    elif fault == "pg:fast":
        pg_run(system, "stop")
        time.sleep(down_s)
        pg_run(system, "start")
    elif fault == "pg:immediate":
        pm = pg_postmaster(system)
        os.kill(pm, signal.SIGQUIT)
        wait_gone(pm)
        time.sleep(down_s)
        pg_run(system, "start")
    elif fault.startswith("pg:freeze:"):
        pm = pg_postmaster(system)
        # The postmaster first: stopped, it forks no new backend meanwhile.
        os.kill(pm, signal.SIGSTOP)
        procs = [pm] + children(pm)
        for p in procs[1:]:
            signal_if_there(p, signal.SIGSTOP)
        try:
            time.sleep(float(fault.split(":")[2]))
        finally:
            for p in procs:
                signal_if_there(p, signal.SIGCONT)
    else:
        raise ValueError(fault)


# ---------------------------------------------------------------- the run

class Campaign:
    """Front-ends streaming while faults are done; `figures` at the end."""

    def __init__(self, system, tag, per_channel=2, progress=3, settle_s=2.0, wait=90.0,
                 log=None):
        self.system, self.tag, self.progress, self.wait = system, tag, progress, wait
        self.settle_s = settle_s
        # Several front-ends per channel (one key per channel, as a channel's
        # gateway has), each with its own channel ids.
        self.fronts = [FrontEnd(system, ch, f"{tag}{k}") for k in range(per_channel)
                       for ch in CHANNELS]
        self.log = log or (lambda msg: None)
        self.recoveries = []        # (fault, seconds until every front-end progressed)
        self.started = None

    def _wait_progress(self, what, before):
        end = time.monotonic() + self.wait
        while not all(f.acked() >= b + self.progress for f, b in zip(self.fronts, before)):
            problems = [p for f in self.fronts for p in f.problems]
            assert not problems, problems
            assert time.monotonic() < end, \
                f"{what}: no progress within {self.wait}s\n" + self.system.logs()
            time.sleep(0.05)

    def start(self):
        self.started = time.monotonic()
        for f in self.fronts:
            f.start()
        self._wait_progress("warm-up", [0] * len(self.fronts))

    def fault(self, fault, down_s=1.0):
        t0 = time.monotonic()
        self.log(f"{time.monotonic() - self.started:7.1f}s  {fault}")
        do_fault(self.system, fault, down_s)
        before = [f.acked() for f in self.fronts]
        self._wait_progress(f"after {fault}", before)
        self.recoveries.append((fault, time.monotonic() - t0))
        # Demands flow undisturbed for a while before the next fault.
        time.sleep(self.settle_s)

    def stop(self):
        for f in self.fronts:
            f.halt.set()
        for f in self.fronts:
            f.join(ANSWER_WAIT * 3)
        assert not any(f.is_alive() for f in self.fronts), "a front-end did not stop"
        problems = [p for f in self.fronts for p in f.problems]
        assert not problems, problems
        self.elapsed = time.monotonic() - self.started

    def acks(self):
        out = {}
        for f in self.fronts:
            with f.lock:  # the front-ends may still be adding
                out.update(((f.channel, cid), case) for cid, case in f.acks.items())
        return out

    def rate(self):
        """Acknowledgements per second over the run."""
        return len(self.acks()) / max(self.elapsed, 1e-9)

    def figures(self, result):
        lat = sorted(x for f in self.fronts for x in f.latencies)

        def q(p):
            return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else 0.0
        return {
            "elapsed_s": round(self.elapsed, 1),
            "faults": len(self.recoveries),
            "front_ends": len(self.fronts),
            "acknowledged": len(self.acks()),
            "acks_per_s": round(self.rate(), 1),
            "cases_of_run": result["cases"],
            "lost": len(result["lost"]),
            "doubled": len(result["doubled"]),
            "event_gaps": len(result["gaps"]),
            "unavailable_answers": sum(f.unavailable for f in self.fronts),
            "timeouts": sum(f.timeouts for f in self.fronts),
            "resubmissions": sum(f.resubmits for f in self.fronts),
            "ack_p50_s": round(q(0.50), 3), "ack_p99_s": round(q(0.99), 3),
            "ack_max_s": round(lat[-1], 3) if lat else 0.0,
            "worst_recovery_s": round(max((s for _, s in self.recoveries), default=0.0), 1),
        }


# ------------------------------------------------------------- the checks

def audit(system, tag):
    """What the database holds: the run's cases, every event's (seq, case,
    kind) in seq order."""
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT channel, channel_id, case_id FROM cases WHERE channel_id LIKE %s",
                    (tag + "%",))
        rows = cur.fetchall()
        cur.execute("SELECT seq, case_id, kind FROM case_events ORDER BY seq")
        events = cur.fetchall()
    return rows, events


def check(acks, rows, events):
    """Compares acknowledgements with the database. Returns a dict of the
    problems found (each a list; all empty when the promise was kept)."""
    by_key = {}
    doubled = []
    for ch, cid, case in rows:
        if (ch, cid) in by_key:
            doubled.append(((ch, cid), by_key[(ch, cid)], case))
        by_key.setdefault((ch, cid), case)
    lost = [(k, v, by_key.get(k)) for k, v in acks.items() if by_key.get(k) != v]
    created, first_kind = {}, {}
    for _, case, kind in events:
        first_kind.setdefault(case, kind)
        if kind == "created":
            created[case] = created.get(case, 0) + 1
    cases = {case for _, _, case in rows}
    doubled += [(case, "created", n) for case, n in created.items() if case in cases and n != 1]
    misordered = [case for case in cases if first_kind.get(case) != "created"]
    gaps = []
    seqs = [s for s, _, _ in events]
    for a, b in zip(seqs, seqs[1:]):
        if b != a + 1:
            gaps.append((a, b))
    if seqs and seqs[0] != 1:
        gaps.append((0, seqs[0]))
    return {"cases": len(cases), "lost": lost, "doubled": doubled, "misordered": misordered,
            "gaps": gaps}


def failures(result):
    return {k: v[:10] for k, v in result.items() if k != "cases" and v}
