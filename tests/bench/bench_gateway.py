"""bench_gateway.py - Open311 POSTs per second through the gateway against
the ZeroMQ front door, in the same run, on the same private Liandong
(issue 13: the gateway should cost little).

  (z) ZeroMQ: e2e_bench, CLIENTS front-ends with one demand in flight each
      (an Open311 client has one request in flight per connection);
  (h) HTTP: open311_bench, CLIENTS keep-alive connections, one POST
      requests in flight each, through a gateway with CLIENTS workers.
Both count a demand once its acknowledgement is back, which is sent only
after the ledger's COMMIT. (h)/(z) is what the gateway costs. The two
phases alternate (z, h, z, h) so that a slow minute of the machine hits
both.

Env: BENCH_SECONDS (per phase, default 10), BENCH_CLIENTS (16).
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))
import liandong  # noqa: E402
from bench_ledger import demands_file  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))


def run(argv, seconds):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"{argv[0]}: {r.stdout}\n{r.stderr}") from None


def zmq_phase(system, prefix):
    argv = [os.path.join(liandong.BUILD, "bench", "e2e_bench"), "--endpoint",
            system.ep["router"], "--demands", demands_file(system.workdir), "--clients",
            str(CLIENTS), "--seconds", str(SECONDS), "--prefix", prefix, "--window", "1"]
    if not liandong.INSECURE:
        argv += ["--keys", system.keys_dir]
    return run(argv, SECONDS)


def http_phase(system, prefix):
    argv = [os.path.join(liandong.BUILD, "bench", "open311_bench"), "--port",
            str(system.ports["gateway"]), "--api-key", system.api_keys["hotline"],
            "--clients", str(CLIENTS), "--seconds", str(SECONDS), "--prefix", prefix]
    return run(argv, SECONDS)


def main():
    system = liandong.System().start()
    try:
        # A gateway with a worker per client (the harness's has 4).
        system.services["gateway"].stop()
        argv = liandong.gateway_argv(system.ep, system.api_keys_path)
        argv[argv.index("--http-threads") + 1] = str(CLIENTS)
        system.services["gateway"] = liandong.Service("gateway", argv, system.log_dir,
                                                      system.env)
        system._retry_until_open("gateway", system.ports["gateway"])
        tag = str(int(time.time()))
        results = []
        for i in range(2):
            z = zmq_phase(system, f"bz{tag}{i}")
            h = http_phase(system, f"bh{tag}{i}")
            results.append({"zmq": z, "http": h, "ratio": h["throughput"] / z["throughput"]})
            print(f"bench_gateway: round {i + 1}: ZeroMQ {z['throughput']:.0f}/s "
                  f"(p50 {z.get('p50_ms', 0):.1f} ms, p99 {z.get('p99_ms', 0):.1f} ms), "
                  f"Open311 {h['throughput']:.0f}/s (p50 {h['p50_ms']:.1f} ms, "
                  f"p99 {h['p99_ms']:.1f} ms), Open311/ZeroMQ {results[-1]['ratio']:.2f}",
                  flush=True)
        out = os.environ.get("LIANDONG_BENCH_OUT")
        if out:
            with open(os.path.join(out, "gateway.json"), "w", encoding="utf-8") as f:
                json.dump(results, f, indent=1)
    finally:
        system.stop(check=False)


if __name__ == "__main__":
    main()
