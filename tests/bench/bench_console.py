#!/usr/bin/python3
"""bench_console.py - how fast the web console's pages answer over a city's
history (issue 14: under 100 ms at 1,000,000 cases). A private Liandong
(tests/system/liandong.py, CURVE on, the gateway serving /console/), a
generated 2,000-compound registry, BENCH_CASES generated cases
(gen_cases.sql, default 1,000,000, a year), then every page fetched over
loopback HTTP with a logged-in session (an operator's or a property
company's staff): login, inbox, case page, overview of the city and of a
district, street, compound and body, its trend image, overdue, ranking,
search by phone, text and ticket, and CSV exports. BENCH_RUNS fetches per
page (default 21, the first dropped as warm-up: more than the five after
which PostgreSQL may switch a prepared statement to its generic plan),
median and p95 of the rest.

Run by `make bench` (bench_console.sh, summary on stdout, console.json in
$LIANDONG_BENCH_OUT), or by hand:
  LIANDONG_BUILD=build /usr/bin/python3 tests/bench/bench_console.py
Prints one line per page and the whole as JSON at the end; exits 1 when a
page's median or p95 is at or over BENCH_TARGET_MS (default 100).
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
RUNS = int(os.environ.get("BENCH_RUNS", "21"))
TARGET = float(os.environ.get("BENCH_TARGET_MS", "100"))


def log(msg):
    print(f"bench_console: {msg}", file=sys.stderr, flush=True)


def timed(c, path, want=200):
    t = time.perf_counter()
    status, _, body = c.get(path)
    ms = (time.perf_counter() - t) * 1000
    assert status == want, f"{path}: {status} {body[:300]}"
    return ms, body


def wait_quiet(path, every=5.0, cap=600.0):
    """Seconds until the file at path has grown by less than a few lines
    (4 kB: the steady state's due-soon alerts) in each of six `every`
    second intervals in a row (at most cap). The notifier's catch-up may
    start a while after the load: one quiet interval is not enough."""
    t0 = time.monotonic()
    size, quiet = -1, 0
    while time.monotonic() - t0 < cap and quiet < 6:
        now = os.path.getsize(path) if os.path.exists(path) else 0
        quiet = quiet + 1 if size >= 0 and now - size < 4096 else 0
        size = now
        time.sleep(every)
    return time.monotonic() - t0


def p95(xs):
    """The smallest value at or above 95% of xs (nearest rank)."""
    xs = sorted(xs)
    return xs[max(0, -(-95 * len(xs) // 100) - 1)]


def measure(name, fetch):
    """median and p95 of RUNS fetches, the first dropped (warm-up)."""
    runs = [fetch()[0] for _ in range(RUNS)][1:]
    r = {"page": name, "median_ms": round(statistics.median(runs), 1),
         "p95_ms": round(p95(runs), 1), "max_ms": round(max(runs), 1)}
    log(f"{name:62} median {r['median_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f}  "
        f"max {r['max_ms']:7.1f}")
    return r


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
        # The generated year has a few thousand cases left open and past
        # their deadlines all at once, which the notifier (running, as
        # deployed) escalates and alerts on within a minute or two: tens
        # of thousands of ledger requests, ahead of every page in the
        # ledger's one database connection (the last session's 0.9-1.7 s
        # pages were measured in that storm). A city's own history had
        # them over the year. So: wait until the ledger's log is quiet,
        # then VACUUM ANALYZE what the storm changed, as autovacuum would
        # have over that year (the open cases' counts are index-only scans
        # where the visibility map says all-visible: 017_figures_open_cover).
        quiet = wait_quiet(os.path.join(s.workdir, "log", "ledger.log"))
        log(f"the notifier's catch-up over the generated history: {quiet:.0f} s")
        subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-c", "VACUUM ANALYZE", "-c",
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
        year_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 400 * 86400))
        with s.db() as conn, conn.cursor() as cur:
            cur.execute("SELECT channel_id FROM cases WHERE case_id = %s", (case_id,))
            ticket = cur.fetchone()[0]
            cur.execute("SELECT code FROM units WHERE kind = 'compound' AND %s = ANY (path)"
                        " ORDER BY code LIMIT 1", (street,))
            compound = cur.fetchone()[0]
        pages = [
            (op, "/console/overview"),
            (op, f"/console/overview?unit={district}&by=street"),
            (op, f"/console/overview?unit={street}&by=compound"),
            (op, f"/console/overview?unit={compound}&by=body"),
            (op, "/console/overview?by=body"),
            (op, "/console/overview?by=category"),
            (op, "/console/overview?by=channel"),
            # the whole generated history (a year) by category and channel
            (op, f"/console/overview?by=category&from={year_ago}"),
            (op, f"/console/overview?by=channel&from={year_ago}"),
            (op, "/console/trend.svg"),
            (op, f"/console/trend.svg?unit={district}"),
            (op, "/console/overdue"),
            (op, f"/console/overdue?unit={district}"),
            (op, f"/console/ranking?period={month}"),
            (op, f"/console/search?id={case_id}&body={body}"),
            (op, f"/console/search?ticket={ticket}"),
            (op, "/console/search?phone=13800000000"),
            (op, f"/console/search?body={body}&state=open"),
            (op, "/console/search?text=%E7%94%B5%E6%A2%AF"),
            (op, f"/console/case?id={case_id}"),
            (op, f"/console/search?format=csv&body={body}&state=open"),
            (op, f"/console/overview?format=csv&unit={district}&by=street"),
            (op, "/console/overdue?format=csv"),
            (staff, "/console/inbox"),
            (staff, "/console/inbox?fragment=1"),
            (staff, "/console/inbox?format=csv"),
            (staff, f"/console/case?id={case_id}"),
        ]
        out = [measure("GET /console/login", lambda: timed(Console(s.http), "/console/login"))]

        def login():
            c = Console(s.http)
            t = time.perf_counter()
            status = c.login("operator.bench", "bench-password-1")[0]
            assert status == 303, status
            return (time.perf_counter() - t) * 1000, ""
        out.append(measure("POST /console/login", login))
        for c, path in pages:
            out.append(measure(path, lambda c=c, path=path: timed(c, path)))
        held = [r for r in out if r["page"] != "POST /console/login"]  # see the end
        worst_med = max(held, key=lambda r: r["median_ms"])
        worst_p95 = max(held, key=lambda r: r["p95_ms"])
        res = {"cases": n, "body": body, "body_open": open_n, "runs": RUNS - 1,
               "target_ms": TARGET, "pages": out,
               "worst_median": worst_med, "worst_p95": worst_p95}
        print(json.dumps(res, ensure_ascii=False))
        return res
    finally:
        s.stop(check=False)


if __name__ == "__main__":
    result = main()
    # POST /console/login verifies an Argon2id hash (libsodium's interactive
    # limits, issue 14's own requirement): slow on purpose, reported, not a page.
    slow = [r for r in result["pages"] if (r["median_ms"] >= TARGET or r["p95_ms"] >= TARGET)
            and r["page"] != "POST /console/login"]
    sys.exit(1 if slow else 0)
