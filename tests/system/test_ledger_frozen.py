"""A frozen writing ledger is fenced (issue 17, docs/failover.md "Two
ledgers, one writer"): its lock outlives neither its database session nor
PostgreSQL's idle_session_timeout, and when it thaws it stands by.

Shown failing with idle_session_timeout off (IDLE_SESSION_MS "0" in
services/ledger/db.c): "B never took over". About 16 s: plain build only
(tests/run.sh SAN_PLAIN_ONLY), its timing is PostgreSQL's timeout.
"""
import signal
import time

import psycopg2

from test_ledger import Ledger, pg  # noqa: F401 (pg: the fixture)
from test_ledger_failover import Client
def test_frozen_writer_is_fenced(pg):  # noqa: F811
    """A writer frozen with SIGSTOP keeps its TCP connection (its kernel
    answers for it) and so its lock, until PostgreSQL ends its idle session
    (idle_session_timeout, 6 s): then B takes over. When A thaws it finds
    its session gone and stands by; what it had taken meanwhile is answered
    UNAVAILABLE (never written), and the client's resends reach B. Nothing
    acknowledged is lost or stored twice. About 15 s."""
    a = Ledger(pg["workdir"], pg["conninfo"], "frozen-a")
    b = None
    client = None
    try:
        a.wait_ready()
        b = Ledger(pg["workdir"], pg["conninfo"], "frozen-b")
        b.wait_standby()
        client = Client([a.ep, b.ep])
        start = len(client.acked)
        client.run_until(start + 20, 30, "before the freeze")
        a.proc.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        try:
            deadline = frozen + 30
            while "took over" not in open(b.log_path, encoding="utf-8").read():
                assert time.monotonic() < deadline, f"B never took over\n{b.log()}"
                client.step()
            took = time.monotonic() - frozen
            print(f"\nB took over {took:.1f} s after A froze")
            assert took >= 3, "B took over while A's session could still be alive"
            client.run_until(len(client.acked) + 20, 30, "B serving while A is frozen")
        finally:
            a.proc.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 30
        while "standing by" not in open(a.log_path, encoding="utf-8").read():
            assert time.monotonic() < deadline, f"A did not stand by after thawing\n{a.log()}"
            client.step()
        client.run_until(len(client.acked) + 20, 30, "after A thawed")
        conn = psycopg2.connect(pg["conninfo"])
        cur = conn.cursor()
        cur.execute("SELECT channel_id, case_id FROM cases WHERE channel_id = ANY(%s)",
                    (list(client.acked),))
        rows = cur.fetchall()
        conn.close()
        assert len(rows) == len(client.acked)
        assert dict(rows) == client.acked
        assert a.proc.poll() is None and b.proc.poll() is None
    finally:
        if client is not None:
            client.sock.close(0)
        if a.proc.poll() is None:
            a.proc.send_signal(signal.SIGCONT)
        assert a.stop() == 0, a.log()
        if b is not None:
            assert b.stop() == 0, b.log()
