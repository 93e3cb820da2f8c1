#!/usr/bin/python3
"""bench_console.py - how fast the web console's pages answer over a city's
history (issue 14: under 100 ms at 1,000,000 cases). A private Liandong
(tests/system/liandong.py, CURVE on, the gateway serving /console/), a
generated 2,000-compound registry, BENCH_CASES generated cases
(gen_cases.sql, default 1,000,000, a year), then each page fetched over
loopback HTTP as a logged-in operator or a property company's staff:
median and worst of BENCH_RUNS (default 7, the first dropped as warm-up).

Not part of `make test`; run by hand:
  LIANDONG_BUILD=build /usr/bin/python3 tests/bench/bench_console.py
Prints one line per page and the whole as JSON at the end.
"""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import liandong  # noqa: E402
from console_client import Console  # noqa: E402

PGBIN = "/usr/lib/postgresql/15/bin"
NCASES = int(os.environ.get("BENCH_CASES", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def log(msg):
    print(f"bench_console: {msg}", file=sys.stderr, flush=True)


def timed(c, path, want=200):
    t = time.perf_counter()
    status, _, body = c.get(path)
    ms = (time.perf_counter() - t) * 1000
    assert status == want, f"{path}: {status} {body[:300]}"
    return ms, body


def main():
    s = liandong.System().start()
    try:
        reg_path = os.path.join(s.workdir, "registry-2000.json")
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "gen_registry.py"), "2000",
                        reg_path], check=True)
        s.petition("registry", "import", reg_path, json=False, timeout=60)
        reg = json.load(open(reg_path, encoding="utf-8"))
        t = time.monotonic()
        subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-v", f"n={NCASES}",
                        "-v", "days=365", "-f", os.path.join(HERE, "gen_cases.sql"),
                        s.conninfo], check=True, capture_output=True, text=True)
        # As bench_ledger.py does: the bulk load's dirty pages written out,
        # and statistics for the planner (autovacuum would take minutes).
        su = subprocess.run(["bash", os.path.join(ROOT, "deploy", "pg.sh"), "conninfo",
                             s.pg_dir, str(s.pg_port), "super"], check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[-1]
        su = su.replace("dbname=postgres", "dbname=liandong")
        subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-c", "ANALYZE", "-c",
                        "CHECKPOINT", su], check=True, capture_output=True, text=True)
        with s.db() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases")
            n = cur.fetchone()[0]
            # the busiest property company, its open cases, a case, a phone
            cur.execute("SELECT body_id, count(*) FROM cases WHERE state IN ('assigned',"
                        " 'delivered', 'accepted', 'replied') GROUP BY body_id"
                        " ORDER BY 2 DESC LIMIT 1")
            body, open_n = cur.fetchone()
            cur.execute("SELECT case_id FROM cases WHERE body_id = %s ORDER BY case_no DESC"
                        " LIMIT 1", (body,))
            case_id = cur.fetchone()[0]
        log(f"{n} cases generated in {time.monotonic() - t:.0f} s; {body} holds {open_n} open")
        district = next(u["code"] for u in reg["units"] if u["kind"] == "district")
        street = next(u["code"] for u in reg["units"] if u["kind"] == "street")
        s.console_account("operator.bench", "bench-password-1")
        s.console_account(f"staff.bench@{body}", "bench-password-2")
        op, staff = Console(s.http), Console(s.http)
        assert op.login("operator.bench", "bench-password-1")[0] == 303
        assert staff.login(f"staff.bench@{body}", "bench-password-2")[0] == 303
        month = time.strftime("%Y-%m", time.gmtime())
        pages = [
            (op, "/console/overview"),
            (op, f"/console/overview?unit={district}&by=street"),
            (op, f"/console/overview?unit={street}&by=compound"),
            (op, "/console/overview?by=body"),
            (op, "/console/trend.svg"),
            (op, "/console/overdue"),
            (op, f"/console/ranking?period={month}"),
            (op, f"/console/search?id={case_id}&body={body}"),
            (op, "/console/search?phone=13800000000"),
            (op, f"/console/search?body={body}&state=open"),
            (op, "/console/search?text=%E7%94%B5%E6%A2%AF"),
            (op, f"/console/case?id={case_id}"),
            (staff, "/console/inbox"),
            (staff, "/console/inbox?fragment=1"),
            (staff, f"/console/case?id={case_id}"),
        ]
        out = []
        for c, path in pages:
            runs = [timed(c, path)[0] for _ in range(RUNS)][1:]
            out.append({"page": path, "median_ms": round(statistics.median(runs), 1),
                        "max_ms": round(max(runs), 1)})
            log(f"{path:60} median {out[-1]['median_ms']:7.1f} ms  max {out[-1]['max_ms']:7.1f}")
        print(json.dumps({"cases": n, "body": body, "body_open": open_n, "pages": out}))
    finally:
        s.stop(check=False)


if __name__ == "__main__":
    main()
