#!/usr/bin/python3
"""bench_ledger.py - the ledger's benchmark, in one run on one PostgreSQL
(the one tests/bench/run.sh started; LIANDONG_BENCH_PGSUPER names it):

  (a) ceiling: pgbench, 16 clients, one case per transaction, the ledger's
      own create_case statement (pgbench_case.sql);
  (b) Liandong end to end: 16 front-ends (e2e_bench) submit demands to the
      router, which places them; the ledger commits them in group-committed
      batches; the SubmitAck comes back. Closed loop for the maximum rate
      and its p50/p99 acknowledgement latency, then an open loop at half
      that rate for the p99 there. Reports b/a, and the CPU time per
      acknowledged case of the router, the ledger, its PostgreSQL backend
      and the front-ends during the closed loop (docs/write-path.md).
  (L1, L64) the physical anchors (tests/bench/anchors/, copied from the
      project's shared bench): the same rows a new case needs (a case with
      the ledger's columns and indexes, two events) with no counter row,
      trigger or roll-up, on the same PostgreSQL in a database of their own:
      L1 one case per transaction (16 clients), L64 64 cases per
      transaction (4 clients). b/L1 and b/L64 judge the ledger's write path
      against what PostgreSQL itself can do here (issue 16).
  (c) figures: N generated cases (gen_cases.sql, default 1,000,000) over a
      generated registry, then RatesQuery at every tier through the ledger,
      timed from a client (median and worst of several runs). Run FIRST, so
      that (a) and (b) write into tables that already hold a city's history.

Runs the ledger and the router (no notifier: it is not on the intake path)
with CURVE on, exactly as deployed. Prints a human summary and writes
ledger.json into $LIANDONG_BENCH_OUT (if set).

Env: BENCH_SECONDS (per measured phase, default 15), BENCH_CASES (default
1000000), BENCH_WINDOW (closed-loop demands in flight per front-end, 8),
BENCH_RATES (extra open-loop rates, comma-separated), BENCH_SKIP_FIGURES=1,
BENCH_FIGURES_ONLY=1 ((c) alone, printed as JSON), BENCH_PROFILE=1 (where
the time of (b) goes inside PostgreSQL: needs pg_stat_statements loaded,
LIANDONG_PG_CONF="shared_preload_libraries='pg_stat_statements'
pg_stat_statements.track=all"; see docs/write-path.md).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import liandong  # noqa: E402
from liandong import pb  # noqa: E402

PGBIN = "/usr/lib/postgresql/15/bin"
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
NCASES = int(os.environ.get("BENCH_CASES", "1000000"))
WINDOW = int(os.environ.get("BENCH_WINDOW", "8"))
CLIENTS = 16
DEMANDS = os.path.join(ROOT, "tests", "fixtures", "routing", "demands.jsonl")


def log(msg):
    print(f"bench_ledger: {msg}", file=sys.stderr, flush=True)


def psql_super(sql, db="postgres"):
    ci = os.environ["LIANDONG_BENCH_PGSUPER"].replace("dbname=postgres", f"dbname={db}")
    return subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-tA", "-v",
                           "ON_ERROR_STOP=1", "-c", sql, ci],
                          check=True, capture_output=True, text=True).stdout.strip()


class BenchSystem(liandong.System):
    """Ledger + router on an existing PostgreSQL database."""

    def __init__(self, conninfo):
        # Inside run.sh's work directory, not /tmp/liandong-st-*: test runs
        # tidy those up, and this one must live as long as the bench.
        workdir = None
        if os.environ.get("LIANDONG_BENCH_OUT"):
            workdir = os.path.join(os.path.dirname(os.environ["LIANDONG_BENCH_OUT"]), "ledger")
            os.makedirs(workdir, exist_ok=True)
        super().__init__(workdir)
        self.conninfo = conninfo

    def _start(self):
        self.petition("keys", "bootstrap", "--registry", liandong.REGISTRY, "--dir",
                      self.keys_dir, json=False)
        self.services["ledger"] = liandong.Service(
            "ledger", liandong.ledger_argv(self.ep, self.conninfo), self.log_dir, self.env)
        self._retry("registry import", lambda: self.petition(
            "registry", "import", liandong.REGISTRY, json=False, timeout=5))
        self.services["router"] = liandong.Service("router", liandong.router_argv(self.ep),
                                                   self.log_dir, self.env)
        self._retry("petition ping", lambda: self.petition("ping", json=False, timeout=5))

    def stop(self, check=True):
        for name in ("router", "ledger"):
            s = self.services.get(name)
            if s is not None:
                s.stop()


def compound_and_body():
    reg = json.load(open(liandong.REGISTRY, encoding="utf-8"))
    comp = next(u["code"] for u in reg["units"] if u["kind"] == "compound")
    body = next((b for b in reg["bodies"]
                 if b["kind"] == "property_company" and comp in b.get("units", [])),
                next(b for b in reg["bodies"] if b["kind"] == "property_company"))
    return comp, body["id"], body["kind"]


def pgbench(conninfo, explain):
    comp, body, kind = compound_and_body()
    argv = [os.path.join(PGBIN, "pgbench"), "-n", "-M", "prepared", "-c", str(CLIENTS),
            "-j", "2", "-T", str(int(SECONDS)), "-f", os.path.join(HERE, "pgbench_case.sql"),
            "-D", f"v_body={body}", "-D", f"v_kind={kind}", "-D", f"v_compound={comp}",
            "-D", "v_text=3栋楼道的灯坏了快一个月了，晚上老人上下楼很危险，希望尽快修好。",
            "-D", f"v_explain={explain}", "-D", "v_actor=service:router", conninfo]
    r = subprocess.run(argv, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{r.stdout}\n{r.stderr}")
    out = {}
    for line in r.stdout.splitlines():
        if line.startswith("tps = "):
            out["tps"] = float(line.split()[2])
        elif line.startswith("latency average"):
            out["latency_avg_ms"] = float(line.split()[3])
        elif line.startswith("number of transactions actually processed"):
            out["transactions"] = int(line.split(":")[1].split("/")[0])
        elif line.startswith("number of failed transactions"):
            out["failed"] = int(line.split(":")[1].split()[0])
    return out


ANCHORS = os.path.join(HERE, "anchors")


def run_pgbench(argv):
    r = subprocess.run(argv, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{r.stdout}\n{r.stderr}")
    for line in r.stdout.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise RuntimeError(f"pgbench printed no tps:\n{r.stdout}")


def anchors():
    """L1 and L64 (tests/bench/anchors/README.md), in cases per second, on a
    database of their own (bench_plain) of the same PostgreSQL. The tables
    are created afresh, so both start from the same empty state in every
    run."""
    psql_super("DROP DATABASE IF EXISTS bench_plain")
    psql_super("CREATE DATABASE bench_plain OWNER liandong")
    ci = os.environ["LIANDONG_BENCH_CONNINFO"].replace("dbname=liandong", "dbname=bench_plain")
    subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f",
                    os.path.join(ANCHORS, "plain_schema.sql"), ci],
                   check=True, capture_output=True, text=True)
    secs = str(int(SECONDS))
    l1 = run_pgbench([os.path.join(PGBIN, "pgbench"), "-n", "-M", "prepared", "-c", "16", "-j",
                      "2", "-T", secs, "-f", os.path.join(ANCHORS, "plain_one.sql"), ci])
    l64 = run_pgbench([os.path.join(PGBIN, "pgbench"), "-n", "-M", "prepared", "-c", "4", "-j",
                       "2", "-T", secs, "-f", os.path.join(ANCHORS, "plain_batch.sql"), ci]) * 64
    return {"L1": round(l1, 1), "L64": round(l64, 1)}


def profile_reset():
    psql_super("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", db="bench_ledger")
    psql_super("SELECT pg_stat_statements_reset()", db="bench_ledger")


def profile_top(cases):
    """Statements of the ledger's database by total time since the reset,
    nested ones (triggers, functions) included, per case committed."""
    rows = psql_super(
        "SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 4),"
        " rows, regexp_replace(left(query, 110), '\\s+', ' ', 'g')"
        " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
        " WHERE d.datname = 'bench_ledger' ORDER BY total_exec_time DESC LIMIT 20",
        db="bench_ledger")
    out = []
    for line in rows.splitlines():
        calls, total, mean, nrows, q = line.split("|", 4)
        out.append({"calls": int(calls), "total_ms": float(total), "mean_ms": float(mean),
                    "rows": int(nrows), "ms_per_case": round(float(total) / max(1, cases), 4),
                    "query": q})
        log(f"profile: {out[-1]['ms_per_case']:8.4f} ms/case {int(calls):8d} calls "
            f"{float(mean):8.4f} ms mean  {q}")
    return out


def proc_cpu_ms(pid):
    """CPU time (user + system, every thread) a process has used, in ms."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def cpu_pids(system):
    """The processes of the write path whose CPU (b) is charged to: the
    router, the ledger, and the ledger's PostgreSQL backends."""
    backends = psql_super(
        "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE datname = 'bench_ledger'"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()", db="bench_ledger")
    return {"router": [system.services["router"].proc.pid],
            "ledger": [system.services["ledger"].proc.pid],
            "postgres": [int(p) for p in backends.split(",") if p]}


def cpu_sample(pids):
    out = {k: sum(proc_cpu_ms(p) for p in v) for k, v in pids.items()}
    out["front_ends"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime * 1000.0 + \
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime * 1000.0
    return out


def cpu_per_case(before, after, cases):
    """CPU milliseconds per acknowledged case, per part of the write path:
    less sensitive to what else the machine runs than the rate itself
    (issue 16: each change's cost is compared in these, the rates beside
    them with the load average)."""
    if cases <= 0:
        return {}
    return {k: round((after[k] - before[k]) / cases, 4) for k in before}


def loadavg():
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def demands_file(workdir):
    """The routing fixtures' demands (tests/fixtures/routing), or two of our own."""
    if os.path.exists(DEMANDS):
        return DEMANDS
    path = os.path.join(workdir, "demands.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for d in ({"text": "3栋楼道的灯坏了快一个月了，希望尽快修好。"},
                  {"text": "小区下水道堵塞，污水漫到路面上。"}):
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def e2e(system, prefix, seconds, window=None, rate=None):
    argv = [os.path.join(liandong.BUILD, "bench", "e2e_bench"), "--endpoint",
            system.ep["router"], "--demands", demands_file(system.workdir), "--clients", str(CLIENTS),
            "--seconds", str(seconds), "--prefix", prefix]
    if not liandong.INSECURE:
        argv += ["--keys", system.keys_dir]
    argv += ["--window", str(window)] if window else ["--rate", str(rate)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    try:
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"e2e_bench: {r.stdout}\n{r.stderr}") from None
    if r.returncode != 0:
        log(f"e2e_bench reported errors: {res}")
    return res


def ledger_latency(system):
    """The ledger's own request-duration histogram (cumulative buckets,
    arrival to answer inside the ledger) scraped from its /metrics."""
    url = "http://" + system.ep["metrics"].removeprefix("tcp://") + "/metrics"
    with urllib.request.urlopen(url, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("liandong_ledger_request_duration_seconds_bucket{"):
            le = line.split('le="')[1].split('"')[0]
            out[le] = int(float(line.rsplit(" ", 1)[1]))
    return out


def latency_split(before, after):
    """Per bucket bound, the share of requests in a phase (after - before)
    that the ledger answered within it, and the smallest bound holding 99%:
    tells the ledger's part of the end-to-end p99 from the rest (router,
    sockets, the front-ends' own scheduling)."""
    total = after.get("+Inf", 0) - before.get("+Inf", 0)
    if total <= 0:
        return {}
    shares = {le: round((after[le] - before.get(le, 0)) / total, 4) for le in after}
    p99 = next((le for le in sorted((k for k in after if k != "+Inf"), key=float)
                if shares[le] >= 0.99), "+Inf")
    return {"requests": total, "within": shares, "p99_bucket_s": p99}


def open_loop(system, prefix, rate):
    """e2e at a fixed rate, with the ledger's own share of the latency."""
    before = ledger_latency(system)
    res = e2e(system, prefix, SECONDS, rate=rate)
    res["ledger_side"] = latency_split(before, ledger_latency(system))
    return res


def rates_query(client, by, unit="", from_ms=0, to_ms=0):
    env = pb.Envelope()
    q = env.rates_query
    q.by = by
    q.unit = unit
    q.from_ms = from_ms
    q.to_ms = to_ms
    t = time.perf_counter()
    ans = client.request(env, timeout=30)
    ms = (time.perf_counter() - t) * 1000
    assert ans is not None and ans.WhichOneof("body") == "rates_report", f"{by}: {ans}"
    return ms, ans.rates_report


def figures(system, conninfo):
    reg_path = os.path.join(system.workdir, "registry-2000.json")
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "gen_registry.py"), "2000",
                    reg_path], check=True)
    system.petition("registry", "import", reg_path, json=False, timeout=60)
    reg = json.load(open(reg_path, encoding="utf-8"))
    t = time.monotonic()
    subprocess.run([os.path.join(PGBIN, "psql"), "-X", "-q", "-v", f"n={NCASES}",
                    "-v", "days=365", "-f", os.path.join(HERE, "gen_cases.sql"), conninfo],
                   check=True, capture_output=True, text=True)
    gen_s = time.monotonic() - t
    # Write the bulk load's dirty pages out now: otherwise the checkpoints
    # it set off keep flushing gigabytes behind every timed query and
    # commit that follows (a bench artefact: a city's history grows by
    # thousands of cases a day, not a million at once).
    psql_super("CHECKPOINT", db="bench_ledger")
    n = psql_super("SELECT count(*) FROM cases", db="bench_ledger")
    log(f"generated {NCASES} cases in {gen_s:.1f} s ({n} cases in the database)")
    street = next(u["code"] for u in reg["units"] if u["kind"] == "street")
    day = 86400 * 1000
    now = int(time.time()) * 1000
    queries = [("district", "", 0, 0), ("street", "", 0, 0), ("community", "", 0, 0),
               ("compound", "", 0, 0), ("body", "", 0, 0),
               ("district", "", now - 30 * day, now), ("street", "", now - 30 * day, now),
               ("compound", street, now - 30 * day, now), ("body", street, now - 30 * day, now),
               ("compound", "", now - day, now)]
    out = []
    with system.wire("ledger") as c:
        for by, unit, f, to in queries:
            runs = []
            rows = 0
            for _ in range(7):
                ms, rep = rates_query(c, by, unit, f, to)
                runs.append(ms)
                rows = len(rep.rows)
            runs = runs[1:]  # the first run warms the plan cache
            out.append({"by": by, "unit": unit, "days": (to - f) // day if to else "all",
                        "rows": rows, "median_ms": round(statistics.median(runs), 2),
                        "max_ms": round(max(runs), 2)})
            log(f"rates by {by:9} unit={unit or '-':12} days={out[-1]['days']}: "
                f"{rows} rows, median {out[-1]['median_ms']} ms, max {out[-1]['max_ms']} ms")
        # By category and by channel (issue 11): from their roll-ups
        # (017) over the city, counted from the range's events within a
        # unit; timed apart (target: the whole history under 1 s).
        reports = []
        for by, f, to, unit in (("category", now - day, now, ""),
                                ("category", now - 30 * day, now, ""),
                                ("channel", now - 30 * day, now, ""), ("category", 0, 0, ""),
                                ("channel", 0, 0, ""), ("category", now - 30 * day, now, street)):
            runs = []
            try:
                for _ in range(7):
                    ms, rep = rates_query(c, by, unit, f, to)
                    runs.append(ms)
                runs = runs[1:]  # past the plan cache's warm-up
            except AssertionError as e:
                # A report over the whole history can pass the ledger's
                # statement_timeout on a busy machine: noted, and the
                # write-path phases still run.
                log(f"report by {by} days={(to - f) // day if to else 'all'}: {e}")
                reports.append({"by": by, "error": str(e).splitlines()[-2:]})
                continue
            reports.append({"by": by, "unit": unit, "days": (to - f) // day if to else "all",
                            "rows": len(rep.rows), "median_ms": round(statistics.median(runs), 2),
                            "max_ms": round(max(runs), 2)})
            log(f"report by {by:9} unit={unit or '-':12} days={reports[-1]['days']}: "
                f"{len(rep.rows)} rows, median {reports[-1]['median_ms']} ms, "
                f"max {reports[-1]['max_ms']} ms")
    return {"cases": int(n), "generate_s": round(gen_s, 1), "queries": out, "reports": reports}


def main():
    su = os.environ.get("LIANDONG_BENCH_PGSUPER")
    if not su:
        sys.exit("bench_ledger: LIANDONG_BENCH_PGSUPER not set (run tests/bench/run.sh)")
    psql_super("DROP DATABASE IF EXISTS bench_ledger")
    psql_super("CREATE DATABASE bench_ledger OWNER liandong")
    # The ledger's own conninfo (its role and password file), on the bench's
    # database.
    conninfo = os.environ["LIANDONG_BENCH_CONNINFO"].replace("dbname=liandong",
                                                             "dbname=bench_ledger")
    system = BenchSystem(conninfo)
    result = {}
    try:
        system.start()
        # (c) first: the 1,000,000 generated cases then stay in the tables
        # while (a) and (b) run, as a city's history would (every insert
        # goes into million-entry indexes, and autovacuum does not visit a
        # table that a few thousand inserts have doubled). Then the shared
        # registry again, for the demands of (b); the router picks it up
        # within its 2 s registry poll.
        figs = None
        if os.environ.get("BENCH_SKIP_FIGURES") != "1":
            figs = figures(system, conninfo)
            system.petition("registry", "import", liandong.REGISTRY, json=False, timeout=60)
            time.sleep(3)
        if os.environ.get("BENCH_FIGURES_ONLY") == "1":  # (c) alone
            print(json.dumps(figs, ensure_ascii=False))
            return
        # Warm up: CURVE handshakes, plans, caches.
        e2e(system, "warm", 3, window=4)
        explain = psql_super("SELECT explain_json FROM cases WHERE channel_id LIKE 'warm-%'"
                             " AND explain_json <> '' LIMIT 1", db="bench_ledger") or "{}"
        log(f"(a) pgbench, {CLIENTS} clients, {SECONDS:.0f} s")
        a = pgbench(conninfo, explain)
        log(f"(a) {a}")
        log(f"(L1, L64) plain-row anchors, load {loadavg()}")
        anc = anchors()
        log(f"(L1, L64) {anc}")
        load_b = loadavg()
        log(f"(b) end to end, closed loop, {CLIENTS} front-ends x {WINDOW} in flight, load {load_b}")
        if os.environ.get("BENCH_PROFILE") == "1":
            profile_reset()
        pids = cpu_pids(system)
        cpu0 = cpu_sample(pids)
        bmax = e2e(system, "max", SECONDS, window=WINDOW)
        cpu = cpu_per_case(cpu0, cpu_sample(pids), int(bmax.get("acked", 0)))
        log(f"(b) {bmax}")
        log(f"(b) CPU ms per case: {cpu}")
        profile = None
        if os.environ.get("BENCH_PROFILE") == "1":
            profile = profile_top(int(bmax.get("acked", 0)) or
                                  int(bmax["throughput"] * SECONDS))
        half = max(1.0, round(bmax["throughput"] / 2))
        log(f"(b) end to end, open loop at {half}/s")
        bhalf = open_loop(system, "half", half)
        log(f"(b) {bhalf}")
        # BENCH_RATES=100,400: more open-loop points (latency against load).
        curve = []
        for rate in [float(x) for x in os.environ.get("BENCH_RATES", "").split(",") if x]:
            point = open_loop(system, f"r{int(rate)}", rate)
            log(f"(b) at {rate:.0f}/s: p50 {point['p50_ms']:.1f} ms, p99 {point['p99_ms']:.1f} ms, "
                f"inside the ledger 99% within {point['ledger_side'].get('p99_bucket_s')} s")
            curve.append(point)
        batches = psql_super(
            "SELECT count(DISTINCT created_at), count(*) FROM cases WHERE channel_id LIKE 'max-%'",
            db="bench_ledger").split("|")
        result = {"a_pgbench_tps": a.get("tps"), "a": a,
                  "b_max_throughput": round(bmax["throughput"], 1),
                  "b_p50_ms": round(bmax["p50_ms"], 2), "b_p99_ms": round(bmax["p99_ms"], 2),
                  "b_half_rate": half, "b_half_p50_ms": round(bhalf["p50_ms"], 2),
                  "b_half_p99_ms": round(bhalf["p99_ms"], 2),
                  "b_half_ledger_p99_bucket_s": bhalf["ledger_side"].get("p99_bucket_s"),
                  "b_transactions": int(batches[0]), "b_cases": int(batches[1]),
                  "ratio_b_over_a": round(bmax["throughput"] / a["tps"], 2) if a.get("tps")
                  else None,
                  "L1": anc["L1"], "L64": anc["L64"],
                  "ratio_b_over_L1": round(bmax["throughput"] / anc["L1"], 3),
                  "ratio_b_over_L64": round(bmax["throughput"] / anc["L64"], 3),
                  "b_cpu_ms_per_case": cpu,
                  "loadavg_before_b": load_b, "loadavg_after": loadavg(),
                  "b_max": bmax, "b_half": bhalf, "b_curve": curve}
        if profile is not None:
            result["profile"] = profile
        if figs is not None:
            result["c"] = figs
            result["c_worst_median_ms"] = max(q["median_ms"] for q in result["c"]["queries"])
    finally:
        system.stop()
    print(f"ledger (a) pgbench one case/transaction, {CLIENTS} clients: "
          f"{result.get('a_pgbench_tps', 0):.0f} cases/s")
    print(f"ledger (b) end to end via router, {CLIENTS} front-ends: "
          f"{result.get('b_max_throughput', 0):.0f} cases/s, p50 {result.get('b_p50_ms')} ms, "
          f"p99 {result.get('b_p99_ms')} ms; at {result.get('b_half_rate')}/s: "
          f"p50 {result.get('b_half_p50_ms')} ms, p99 {result.get('b_half_p99_ms')} ms "
          f"(inside the ledger 99% within {result.get('b_half_ledger_p99_bucket_s')} s) "
          f"({result.get('b_cases')} cases in {result.get('b_transactions')} transactions)")
    print(f"ledger b/a = {result.get('ratio_b_over_a')} (target >= 2)")
    print(f"ledger anchors: L1 {result.get('L1', 0):.0f} cases/s, L64 {result.get('L64', 0):.0f} "
          f"cases/s; b/L1 = {result.get('ratio_b_over_L1')} (target >= 1.0), b/L64 = "
          f"{result.get('ratio_b_over_L64')} (target >= 0.25); load average "
          f"{result.get('loadavg_before_b')} before (b), {result.get('loadavg_after')} after")
    if result.get("b_cpu_ms_per_case"):
        print("ledger (b) CPU per case: " + ", ".join(
            f"{k} {v:.3f} ms" for k, v in result["b_cpu_ms_per_case"].items()))
    if "c" in result:
        print(f"ledger (c) figures over {result['c']['cases']} cases: worst median "
              f"{result['c_worst_median_ms']} ms over {len(result['c']['queries'])} queries "
              f"(target < 50 ms)")
        for r in result["c"]["reports"]:
            if r.get("days") == "all" and not r.get("unit"):
                print(f"ledger (c) rates by {r['by']} over the whole history: median "
                      f"{r['median_ms']} ms, max {r['max_ms']} ms (target < 1000 ms)")
            elif "error" in r:
                print(f"ledger (c) rates by {r['by']}: {r['error']}")
    out_dir = os.environ.get("LIANDONG_BENCH_OUT")
    if out_dir:
        with open(os.path.join(out_dir, "ledger.json"), "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
