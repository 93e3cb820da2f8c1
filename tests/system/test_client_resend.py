"""test_client_resend.py - the CLI on a list of routers (issue 17): a request
taken by a router that then dies (here: a peer that reads it and never
answers) is sent again under the same request id and answered by the other.

The two "routers" are bare ZeroMQ ROUTER sockets in this process, on plain
TCP (the CLI with LIANDONG_INSECURE=1): what is tested is the client's
resend, which needs a peer that swallows a request on purpose; the real
routers and a real kill are in tests/failover/test_failover.py.
"""
import os
import subprocess
import threading
import time

import zmq

import liandong

pb = liandong.pb


def bind(ctx):
    s = ctx.socket(zmq.ROUTER)
    s.setsockopt(zmq.LINGER, 0)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    return s, f"tcp://127.0.0.1:{port}"


def pong_server(sock, stop, seen):
    """Answers every request with a Pong under its request id."""
    while not stop.is_set():
        if not sock.poll(50):
            continue
        ident, frame = sock.recv_multipart()
        env = pb.Envelope()
        env.ParseFromString(frame)
        seen.append(env.request_id)
        ans = pb.Envelope(request_id=env.request_id)
        ans.pong.service = "test"
        ans.pong.version = 1  # a router with a registry: `petition ping` says ready
        sock.send_multipart([ident, ans.SerializeToString()])


def test_request_lost_with_a_router_is_resent_to_the_other():
    ctx = zmq.Context.instance()
    dying, dying_ep = bind(ctx)
    ledger, ledger_ep = bind(ctx)
    # The second router's port, not listening yet: the first request can
    # only go to the dying one.
    other_port = liandong.free_ports(1)[0]
    other_ep = f"tcp://127.0.0.1:{other_port}"
    env = dict(os.environ, LIANDONG_INSECURE="1")
    stop = threading.Event()
    other_seen, ledger_seen = [], []
    lt = threading.Thread(target=pong_server, args=(ledger, stop, ledger_seen), daemon=True)
    lt.start()
    cli = subprocess.Popen(
        [os.path.join(liandong.BIN, "petition"), "--router", f"{dying_ep},{other_ep}",
         "--ledger", ledger_ep, "--timeout-ms", "15000", "ping"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert dying.poll(10000), "the CLI sent nothing to the first router"
        _, frame = dying.recv_multipart()
        lost = pb.Envelope()
        lost.ParseFromString(frame)
        t_lost = time.monotonic()
        # The first router "dies" with the request: it never answers. The
        # other one comes up.
        other = ctx.socket(zmq.ROUTER)
        other.setsockopt(zmq.LINGER, 0)
        other.bind(other_ep)
        ot = threading.Thread(target=pong_server, args=(other, stop, other_seen), daemon=True)
        ot.start()
        out, err = cli.communicate(timeout=30)
        elapsed = time.monotonic() - t_lost
    finally:
        stop.set()
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 0, f"petition ping exited {cli.returncode}: {out} {err}"
    assert f"router {dying_ep},{other_ep}: ok" in out, out
    # Answered by the other router, under the request id the lost one had.
    assert lost.request_id in other_seen, (lost.request_id, other_seen)
    # One resend period (2 s), or two when the first resend went to the
    # dead router again; well inside the 15 s timeout.
    assert elapsed < 7, f"answered {elapsed:.1f} s after the loss"
    ot.join(2)
    lt.join(2)
    for s in (dying, ledger, other):
        s.close(0)
