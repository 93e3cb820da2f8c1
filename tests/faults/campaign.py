#!/usr/bin/python3
"""campaign.py - the long fault campaign (`make faults`, issue 12): a private
Liandong under a steady load of front-ends while every fault is done
ROUNDS times in turn (SIGKILL and restart of the router, the ledger and the
notifier; PostgreSQL fast and immediate shutdowns; PostgreSQL frozen for
FREEZE_S seconds), then the same audit as test_faults.py: every acknowledged
demand in the database exactly once under its case id, every case created
once and first, the event sequence gap-free. Prints its figures (one line
per fault and a summary) and exits 1 when anything was lost, doubled or out
of order. The faults, the front-ends and the checks are tests/system/faults.py.

usage: campaign.py [--rounds N] [--freeze S] [--settle S] [--per-channel N]
Env: LIANDONG_BUILD (default build), as for the system tests.
"""
import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
import faults  # noqa: E402
import liandong  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("FAULT_ROUNDS", "3")))
    ap.add_argument("--freeze", type=float, default=float(os.environ.get("FAULT_FREEZE_S", "20")))
    ap.add_argument("--settle", type=float, default=float(os.environ.get("FAULT_SETTLE_S", "5")))
    ap.add_argument("--per-channel", type=int, default=2)
    args = ap.parse_args()
    plan = ["kill:router", "kill:ledger", "kill:notifier", "pg:fast", "pg:immediate",
            f"pg:freeze:{args.freeze:g}"]

    def log(msg):
        print(msg, flush=True)

    system = liandong.System().start()
    ok = False
    try:
        c = faults.Campaign(system, "camp", per_channel=args.per_channel, progress=5,
                            settle_s=args.settle, wait=180.0, log=log)
        log(f"campaign: {args.rounds} rounds of {plan}, {len(c.fronts)} front-ends, "
            f"build {liandong.BUILD}, logs in {system.log_dir}")
        c.start()
        try:
            for _ in range(args.rounds):
                for fault in plan:
                    c.fault(fault, down_s=1.0)
                    system.assert_alive()
                    log(f"          back after {c.recoveries[-1][1]:.1f}s, "
                        f"{len(c.acks())} acknowledged so far")
        finally:
            c.stop()
        rows, events = faults.audit(system, "camp")
        result = faults.check(c.acks(), rows, events)
        fig = c.figures(result)
        fig["events_checked"] = len(events)
        per = {}
        for fault, s in c.recoveries:
            per.setdefault(fault, []).append(round(s, 1))
        log("\nrecovery (s) per fault: " + json.dumps(per, ensure_ascii=False))
        log("figures: " + json.dumps(fig, ensure_ascii=False))
        bad = faults.failures(result)
        if bad:
            log("FAILED: " + json.dumps(bad, ensure_ascii=False, default=str))
        else:
            log(f"OK: {fig['acknowledged']} acknowledged across {fig['faults']} faults in "
                f"{fig['elapsed_s']} s: 0 lost, 0 doubled, event order gap-free")
        ok = not bad
    finally:
        system.stop(check=False)
        if ok and not os.environ.get("LIANDONG_KEEP"):
            shutil.rmtree(system.workdir, ignore_errors=True)
        else:
            log(f"kept {system.workdir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
