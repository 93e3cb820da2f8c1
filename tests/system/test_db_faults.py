"""The ledger's write path under database faults (issue 12, "the ledger's
event loop never blocks on PostgreSQL"; issue 16, "acknowledged cases
survive a crash at any point of the new write path").

- PostgreSQL frozen (SIGSTOP on the postmaster and every backend) while
  front-ends stream demands: the ledger keeps answering Ping within a
  bound and its /metrics (service health) within a bound; requests that
  wait for the frozen database longer than the ledger's queue bound are
  answered UNAVAILABLE by the ledger itself; after SIGCONT intake resumes,
  and every acknowledged case is in the database once.
- Crashes at random moments under load: the ledger SIGKILLed, or
  PostgreSQL stopped "immediate" (SIGQUIT to the postmaster: no shutdown
  checkpoint, crash recovery at the next start), a few rounds each at a
  random moment of the stream; afterwards every acknowledged case is there
  once under the id the acknowledgement named, and the event order is
  gap-free.

The front-ends are test_recovery's: each resubmits a demand under the same
channel id until it is acknowledged (ROUTING.md section 9).
"""
import os
import random
import signal
import subprocess
import time
import urllib.request

import liandong
from liandong import pb
from test_recovery import (ANSWER_WAIT, CHANNELS, FrontEnd, Outage, check_exactly_once, pg,
                           start_ledger, wait_for)

SAN = "san" in liandong.BUILD
PING_BOUND = 2.0 if SAN else 1.0     # s: a Ping's round trip while the database is frozen
HEALTH_BOUND = 8.0                   # s: a /metrics scrape (figures wait at most 3 s, db.c 2 s)
FREEZE = 13.0                        # s: longer than the ledger's queue bound (10 s)


def postmaster_pid(system):
    datadir = subprocess.run(["bash", liandong.PG_SH, "datadir", system.pg_dir],
                             capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(datadir, "postmaster.pid"), encoding="ascii") as f:
        return int(f.readline())


def pg_processes(system):
    """The postmaster and its children (backends, checkpointer, ...)."""
    pm = postmaster_pid(system)
    pids = [pm]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pm:
            pids.append(int(d))
    return pids


def signal_all(pids, sig):
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def scrape(system):
    url = "http://" + system.ep["metrics"].removeprefix("tcp://") + "/metrics"
    with urllib.request.urlopen(url, timeout=HEALTH_BOUND + 5) as r:
        return r.read().decode()


def unavailable_count(text):
    for line in text.splitlines():
        if line.startswith('liandong_ledger_errors_total{code="ERROR_UNAVAILABLE"}'):
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def events_gap_free(system):
    with system.db() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), COALESCE(min(seq), 1), COALESCE(max(seq), 0)"
                    " FROM case_events")
        n, lo, hi = cur.fetchone()
    assert lo == 1 and n == hi, f"event seq not gap-free: {n} events, seq {lo}..{hi}"


def start_fronts(system, tag):
    outage = Outage()  # never "on": a frozen database may still commit what it had
    fronts = [FrontEnd(system, ch, tag, outage) for ch in CHANNELS]
    for f in fronts:
        f.start()
    return fronts


def stop_fronts(fronts):
    for f in fronts:
        f.halt.set()
    for f in fronts:
        f.join(ANSWER_WAIT * 2)
    assert not any(f.is_alive() for f in fronts), "a front-end did not stop"
    problems = [p for f in fronts for p in f.problems]
    assert not problems, problems


def test_ping_and_health_answer_while_postgresql_is_frozen(system):
    tag = "frz"
    fronts = start_fronts(system, tag)
    pids = []
    try:
        wait_for("first acknowledgements", lambda: all(f.acked() >= 5 for f in fronts),
                 system, fronts)
        unavailable_before = unavailable_count(scrape(system))
        pids = pg_processes(system)
        signal_all(pids, signal.SIGSTOP)
        frozen_at = time.monotonic()
        pings, scrapes, text = [], [], ""
        with system.wire("ledger") as w:
            while time.monotonic() - frozen_at < FREEZE:
                t = time.monotonic()
                ans = w.ping(timeout=PING_BOUND * 5)
                pings.append(time.monotonic() - t)
                assert ans is not None and ans.WhichOneof("body") == "pong", \
                    f"no Pong {time.monotonic() - frozen_at:.1f} s into the freeze"
                if len(pings) % 10 == 0:
                    t = time.monotonic()
                    text = scrape(system)
                    scrapes.append(time.monotonic() - t)
                time.sleep(0.1)
        acked_frozen = sum(f.acked() for f in fronts)
        t = time.monotonic()
        text = scrape(system)
        scrapes.append(time.monotonic() - t)
        assert max(pings) < PING_BOUND, f"Ping took up to {max(pings):.2f} s while frozen"
        assert max(scrapes) < HEALTH_BOUND, f"/metrics took up to {max(scrapes):.2f} s"
        assert "liandong_ledger_request_duration_seconds_count" in text
        # What waited for the frozen database beyond the queue bound was
        # answered UNAVAILABLE by the ledger itself (never acknowledged).
        assert unavailable_count(text) > unavailable_before, \
            "nothing was refused UNAVAILABLE during the freeze"
    finally:
        signal_all(pids, signal.SIGCONT)
    try:
        wait_for("acknowledgements after the freeze",
                 lambda: sum(f.acked() for f in fronts) >= acked_frozen + 5 * len(fronts),
                 system, fronts)
    finally:
        stop_fronts(fronts)
    system.assert_alive()
    n = check_exactly_once(system, tag, fronts)
    assert n >= 5 * len(fronts)
    events_gap_free(system)


def kill_ledger_now(system):
    led = system.services["ledger"]
    led.proc.send_signal(signal.SIGKILL)
    led.proc.wait()
    led._log.close()


def stop_pg_immediate(system):
    """pg_ctl -m immediate, by its signal: the postmaster kills every
    backend at once, writes nothing more, and recovers from the WAL at the
    next start."""
    pm = postmaster_pid(system)
    os.kill(pm, signal.SIGQUIT)
    end = time.monotonic() + 30
    while os.path.exists(f"/proc/{pm}") and time.monotonic() < end:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pm}"), "postmaster did not stop"


def test_acknowledged_cases_survive_crashes_at_random_moments(system):
    tag = "crash"
    rnd = random.Random(int(os.environ.get("LIANDONG_CRASH_SEED", "0")) or None)
    seed_note = f"(LIANDONG_CRASH_SEED to repeat; rounds {os.environ.get('LIANDONG_CRASH_ROUNDS')})"
    rounds = int(os.environ.get("LIANDONG_CRASH_ROUNDS", "6"))
    fronts = start_fronts(system, tag)
    faults = []
    try:
        wait_for("first acknowledgements", lambda: all(f.acked() >= 3 for f in fronts),
                 system, fronts)
        for i in range(rounds):
            # A random moment of the stream: batches are a few ms long, so
            # this lands before, inside and after COMMITs alike.
            time.sleep(rnd.uniform(0.05, 1.5))
            before = sum(f.acked() for f in fronts)
            if i % 2 == 0:
                faults.append("ledger SIGKILL")
                kill_ledger_now(system)
                time.sleep(rnd.uniform(0.0, 0.5))
                start_ledger(system)
            else:
                faults.append("postgresql immediate stop")
                stop_pg_immediate(system)
                time.sleep(rnd.uniform(0.0, 0.5))
                pg(system, "start")
            wait_for(f"acknowledgements after {faults[-1]} {seed_note}",
                     lambda b=before: sum(f.acked() for f in fronts) >= b + len(fronts),
                     system, fronts)
        # Every front-end acknowledged again after the last fault.
        last = [f.acked() for f in fronts]
        wait_for("every front-end after the last fault",
                 lambda: all(f.acked() >= b + 2 for f, b in zip(fronts, last)), system, fronts)
    finally:
        stop_fronts(fronts)
    system.assert_alive()
    n = check_exactly_once(system, tag, fronts)
    assert n >= len(fronts) * (3 + rounds)
    events_gap_free(system)


def test_no_request_lost_in_the_queue_after_faults(system):
    """After the faults above a plain submission is acknowledged at once
    (the ledger's queue and its database thread are not wedged)."""
    with system.wire("router", identity=liandong.frontend_identity("hotline"),
                     timeout=ANSWER_WAIT) as w:
        env = pb.Envelope()
        d = env.submit_demand.demand
        d.channel, d.channel_id, d.compound = "hotline", "after-faults-1", "JA-DH-CZ-1-01"
        d.text = "3栋楼道的灯坏了"
        # The ledger may still be in its reconnect backoff (at most 5 s)
        # after the last PostgreSQL restart: UNAVAILABLE until then.
        end = time.monotonic() + 15
        while True:
            ans = w.request(env, ANSWER_WAIT)
            if ans is not None and ans.WhichOneof("body") == "submit_ack":
                break
            assert ans is not None and ans.error.code == pb.ErrorCode.Value("ERROR_UNAVAILABLE"), ans
            assert time.monotonic() < end, "not acknowledged within 15 s of the last fault"
            time.sleep(0.2)
        # And at once the second time (a duplicate of the same case).
        t = time.monotonic()
        again = w.request(env, ANSWER_WAIT)
    assert again is not None and again.WhichOneof("body") == "submit_ack", again
    assert again.submit_ack.duplicate and again.submit_ack.case_id == ans.submit_ack.case_id
    assert time.monotonic() - t < 2.0
