"""mem_flood.py - the hostile peer of test_memory_bound.py, run as a process
of its own and detached from pytest (its own memory, the subscriptions an
XSUB keeps and the frames it queues, must count neither as the test's nor
as the test's children's peak, which test_hardening measures).

Every peer here holds a valid key. Within --seconds it sends, in turn:
  1. --subs subscriptions of 120 bytes through an XSUB to the ledger's event
     stream and as many to the notifier's alert stream (each with its own
     operator key);
  2. --oversized frames over each socket's --max-message, round robin to the
     router's front and desk sockets (100 KB, answered TOO_LARGE), the
     notifier's health socket (8 KB) and, one in ten, the ledger (4.5 MiB);
  3. --garbage messages that are not requests (random bytes, truncated
     protobuf, unknown fields, empty frames, Envelopes without a body),
     round robin to the router, desk, ledger and notifier sockets.
Answers are read when they come and counted, never waited for. When done
it writes a JSON of what it sent and received to --out (atomically) and
then sleeps until killed, keeping its connections open.

usage: mem_flood.py --keys DIR --ep JSON --subs N --oversized N --garbage N
                    --seconds S --ops OP1,OP2 --out FILE
"""
import argparse
import json
import os
import random
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    for a in ("--keys", "--ep", "--ops", "--out"):
        ap.add_argument(a, required=True)
    for a in ("--subs", "--oversized", "--garbage"):
        ap.add_argument(a, type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    args = ap.parse_args()
    if os.fork() > 0:
        os._exit(0)  # the test goes on; this process lives apart
    os.setsid()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import zmq

    import liandong
    from liandong import pb

    ep = json.loads(args.ep)
    ctx = zmq.Context.instance()
    deadline = time.monotonic() + args.seconds
    stats = {"subs_sent": 0, "oversized_sent": 0, "garbage_sent": 0, "answers": 0,
             "too_large": 0, "errors": 0, "would_block": 0}

    def sock(kind, who, server, endpoint, hwm=1000):
        s = ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.SNDHWM, hwm)
        s.setsockopt(zmq.RCVHWM, 100000)
        me = liandong.load_key(args.keys, who)
        srv = liandong.load_key(args.keys, server, public_only=True)
        s.setsockopt(zmq.CURVE_SECRETKEY, me["secret"])
        s.setsockopt(zmq.CURVE_PUBLICKEY, me["public"])
        s.setsockopt(zmq.CURVE_SERVERKEY, srv["public"])
        s.connect(endpoint)
        return s

    ops = args.ops.split(",")
    dealers = {
        "router": sock(zmq.DEALER, "frontend.hotline", "service.router", ep["router"]),
        "desk": sock(zmq.DEALER, "body.JA-DISPATCH", "service.router", ep["desk"]),
        "ledger": sock(zmq.DEALER, "operator.admin", "service.ledger", ep["ledger"], hwm=4),
        "notifier": sock(zmq.DEALER, "operator.admin", "service.notifier", ep["notifier"]),
    }
    time.sleep(0.5)

    def drain():
        for s in dealers.values():
            while True:
                try:
                    frames = s.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                stats["answers"] += 1
                env = pb.Envelope()
                try:
                    env.ParseFromString(frames[-1])
                except Exception:  # noqa: BLE001 - counted, not judged here
                    continue
                if env.WhichOneof("body") == "error":
                    stats["errors"] += 1
                    if env.error.code == pb.ERROR_TOO_LARGE:
                        stats["too_large"] += 1

    def send(s, frame):
        while time.monotonic() < deadline:
            try:
                s.send(frame, zmq.NOBLOCK)
                return True
            except zmq.Again:
                stats["would_block"] += 1
                drain()
                time.sleep(0.001)
        return False

    # 1. Subscriptions to both streams.
    xsubs = [sock(zmq.XSUB, ops[0], "service.ledger", ep["events"], hwm=0),
             sock(zmq.XSUB, ops[1], "service.notifier", ep["alerts"], hwm=0)]
    time.sleep(0.5)
    for x, tag in zip(xsubs, ("ev", "al")):
        for i in range(args.subs):
            if time.monotonic() > deadline:
                break
            head = f"{tag}-{i:06d}-".encode()
            x.send(b"\x01" + head + b"x" * (120 - len(head)))
            stats["subs_sent"] += 1

    # 2. Oversized frames, each beginning with a request id.
    def big(size, n):
        env = pb.Envelope()
        env.request_id = f"big-{n}"
        env.ping.SetInParent()
        head = env.SerializeToString()
        # An unknown field (number 2047, bytes) fills the rest.
        pad = size - len(head) - 8
        return head + b"\xfa\x7f" + _varint(pad) + b"\0" * pad

    frames = {"router": big(100_000, 0), "desk": big(100_000, 0), "notifier": big(8_000, 0),
              "ledger": big(4_500_000, 0)}
    order = ["router", "desk", "notifier", "router", "desk", "notifier", "router", "desk",
             "notifier", "ledger"]
    for i in range(args.oversized):
        which = order[i % len(order)]
        if not send(dealers[which], frames[which]):
            break
        stats["oversized_sent"] += 1
        drain()

    # 3. Garbage.
    rng = random.Random(12)
    valid = pb.Envelope(request_id="g").SerializeToString()
    kinds = [lambda: b"", lambda: b"\xff" * 16, lambda: b"\x0a\xff\xff\xff\xff\x0f",
             lambda: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))),
             lambda: valid, lambda: b"\x0a\x03abc\xfa\x7f\x02zz",
             lambda: b"hello, is this the 12345 hotline?"]
    names = list(dealers)
    for i in range(args.garbage):
        if not send(dealers[names[i % len(names)]], kinds[i % len(kinds)]()):
            break
        stats["garbage_sent"] += 1
        if i % 500 == 0:
            drain()
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        drain()
        time.sleep(0.05)
    stats["seconds"] = round(args.seconds - (deadline - time.monotonic()), 1)
    with open(args.out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(dict(stats, pid=os.getpid()), f)
    os.rename(args.out + ".tmp", args.out)
    while True:
        drain()
        time.sleep(0.5)


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


if __name__ == "__main__":
    main()
