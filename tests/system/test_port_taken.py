"""A service whose port is taken exits at once with a clear error (exit 1,
the endpoint and "Address already in use" in its log), never with an abort:
the router used to die in a uv_close assertion (SIGABRT) after a failed
bind (issue 17, found while choosing ports for the cluster). Under a second.
"""
import os
import socket
import subprocess

import pytest

import liandong


def taken_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, s.getsockname()[1]


@pytest.mark.parametrize("service", ["router", "ledger", "notifier"])
def test_port_taken_exits_cleanly(service):
    holder, port = taken_port()
    ports = liandong.free_ports(6)
    ep = {k: f"tcp://127.0.0.1:{p}" for k, p in
          zip(["router", "desk", "ledger", "events", "alerts", "notifier"], ports)}
    ep[service] = f"tcp://127.0.0.1:{port}"
    argv = {"router": liandong.router_argv,
            "ledger": lambda e: liandong.ledger_argv(e, "host=127.0.0.1 port=1 dbname=none"),
            "notifier": liandong.notifier_argv}[service](ep)
    try:
        r = subprocess.run([os.path.join(liandong.BIN, service), "--insecure"] + argv,
                           capture_output=True, text=True, timeout=30, cwd=liandong.ROOT)
    finally:
        holder.close()
    out = r.stdout + r.stderr
    assert r.returncode == 1, f"exit {r.returncode}\n{out}"
    assert "Address already in use" in out, out
    assert f"127.0.0.1:{port}" in out, out  # which endpoint
    assert "Assertion" not in out, out
