#!/usr/bin/env bash
# tests/bench/bench_notifier.sh - notifier figures for `make bench` (run by
# tests/bench/run.sh, or alone). Targets (issue 5): 1,000,000 open cases in
# under 300 MB, reloaded from the ledger in under 5 s, alerts fired no
# later than 50 ms after their due time (p99).
#
#  1. build/bench/notifier_bench: the deadline table alone - 1,000,000 cases
#     loaded from ListDeadlines pages as on the wire (time, memory), then
#     20,000 stages falling due within 4 s among them on a libuv timer
#     (lateness p50/p99/max).
#  2. End to end: a real ledger on PostgreSQL holding 1,000,000 open cases
#     (2,000,000 events), and the real notifier started against it: time
#     from its start to "synchronised" in its log, and its peak resident
#     memory. Uses run.sh's cluster (LIANDONG_BENCH_PGSUPER) or starts a
#     private one with deploy/pg.sh. BENCH_NOTIFIER_CASES changes the count.
# Prints one line per figure and per target (ok / BELOW TARGET) and writes
# $LIANDONG_BENCH_OUT/notifier.json. Exits non-zero only when it could not
# measure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${LIANDONG_BUILD:-${BUILD:-build}}
CASES=${BENCH_NOTIFIER_CASES:-1000000}
BENCH=$BUILD/bench/notifier_bench
for b in "$BENCH" "$BUILD/bin/ledger" "$BUILD/bin/notifier"; do
    [ -x "$b" ] || { echo "bench_notifier: $b missing (make all bench-bins)" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/bench_notifier.XXXXXX)
chmod 0755 "$WORK"
PIDS=()
OWN_PG=""
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "${SUPER:-}" ] && [ -n "${DB:-}" ]; then
        psql "$SUPER" -qAt -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    fi
    [ -n "$OWN_PG" ] && bash deploy/pg.sh stop "$OWN_PG" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- 1. the table alone ----------------------------------------------------
T=$("$BENCH" "$CASES" 20000 4)
echo "notifier table: $T"

# ---- 2. end to end through the ledger -------------------------------------
if [ -n "${LIANDONG_BENCH_PGSUPER:-}" ]; then
    SUPER=$LIANDONG_BENCH_PGSUPER
    BASE=${LIANDONG_BENCH_CONNINFO:?}
else
    OWN_PG=$WORK/pg
    BASE=$(bash deploy/pg.sh start "$OWN_PG" "$(free_port)" | tail -1)
    SUPER=$(bash deploy/pg.sh conninfo "$OWN_PG" "$(echo "$BASE" | sed -e 's/.*port=\([0-9]*\).*/\1/')" super)
fi
DB=notifier_bench_$$
psql "$SUPER" -qAt -c "CREATE DATABASE $DB OWNER liandong" >/dev/null
CONN=$(echo "$BASE" | sed -e "s/dbname=[^ ]*/dbname=$DB/")
LEDGER=tcp://127.0.0.1:$(free_port)
EVENTS=tcp://127.0.0.1:$(free_port)
"$BUILD/bin/ledger" --insecure --listen "$LEDGER" --events "$EVENTS" --db "$CONN" \
    --schema-dir deploy/schema >"$WORK/ledger.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do
    n=$(psql "$CONN" -qAt -c "SELECT count(*) FROM schema_migrations WHERE name = '003_alerts.sql'" 2>/dev/null || echo 0)
    [ "$n" = "1" ] && break
    sleep 0.1
done
# Open cases like the ledger writes them: created up to 17 h ago, 24 h to
# reply and 168 h to resolve, a tenth replied; each with its created and
# assigned events; the event counter at the last seq.
t0=$(date +%s.%N)
psql "$CONN" -q -v ON_ERROR_STOP=1 <<SQL
SET synchronous_commit = off;
INSERT INTO cases (case_id, case_no, channel, channel_id, state, category, tier, body_id,
                   body_kind, urgency, compound_code, created_at, reply_due, resolve_due,
                   replied_at)
SELECT 'LD-20261129-' || lpad(g::text, 7, '0'), g, 'hotline', 'bench-' || g,
       CASE WHEN g % 10 = 0 THEN 'replied' ELSE 'assigned' END, 'facility_repair', 'compound',
       'BODY-' || (g % 3000), 'property_company', 'normal', '',
       t.c, t.c + interval '24 h', t.c + interval '168 h',
       CASE WHEN g % 10 = 0 THEN t.c + interval '1 h' END
  FROM generate_series(1, $CASES) g,
       LATERAL (SELECT date_trunc('milliseconds', now()) - (g % 17000) * interval '3.6 s' AS c) t;
-- The deliveries trigger (002) would write a delivery per assignment: not
-- what this measures, and it makes the load ten times slower.
ALTER TABLE case_events DISABLE TRIGGER case_events_deliver;
INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id, at,
                         reply_due, resolve_due)
SELECT 2 * c.case_no - 1 + k, c.case_id, CASE k WHEN 0 THEN 'created' ELSE 'assigned' END,
       'service:router', CASE k WHEN 0 THEN '' ELSE 'received' END,
       CASE k WHEN 0 THEN 'received' ELSE 'assigned' END, c.body_id, c.created_at,
       c.reply_due, c.resolve_due
  FROM cases c, generate_series(0, 1) k;
ALTER TABLE case_events ENABLE TRIGGER case_events_deliver;
UPDATE ledger_counters SET value = 2 * $CASES WHERE name = 'event_seq';
-- As autovacuum leaves a city's tables: hint bits set, visibility map
-- current (the reload's page query is index-only on cases_open_deadlines).
VACUUM ANALYZE cases;
VACUUM ANALYZE case_events;
SQL
# The bulk load's dirty pages written out before anything is timed: its
# checkpoint would otherwise flush gigabytes behind the reload.
psql "$SUPER" -qAt -c "CHECKPOINT" >/dev/null
gen_s=$(echo "$(date +%s.%N) - $t0" | bc)
echo "notifier e2e: $CASES open cases written to PostgreSQL in ${gen_s}s"

ALERTS=tcp://127.0.0.1:$(free_port)
HEALTH=tcp://127.0.0.1:$(free_port)
t0=$(date +%s.%N)
"$BUILD/bin/notifier" --insecure --ledger "$LEDGER" --events "$EVENTS" --alerts "$ALERTS" \
    --listen "$HEALTH" --router tcp://127.0.0.1:1 \
    --ledger-timeout-ms 30000 >"$WORK/notifier.log" 2>&1 &
NPID=$!
PIDS+=($NPID)
reload_s=""
for _ in $(seq 1 1200); do
    if grep -q "synchronised:" "$WORK/notifier.log"; then
        reload_s=$(echo "$(date +%s.%N) - $t0" | bc)
        break
    fi
    kill -0 "$NPID" 2>/dev/null || break
    sleep 0.05
done
if [ -z "$reload_s" ]; then
    echo "bench_notifier: the notifier did not synchronise" >&2
    tail -20 "$WORK/notifier.log" "$WORK/ledger.log" >&2
    exit 1
fi
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$NPID/status")
# The notifier's own CPU time up to now (utime + stime): on a shared
# machine the wall time above also counts waiting for a core.
cpu_s=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$NPID/stat")
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$NPID/status")
grep "synchronised:" "$WORK/notifier.log" | head -1 | sed 's/^/notifier e2e: /'
echo "notifier e2e: reload ${reload_s}s (notifier CPU ${cpu_s}s, load average $(cut -d' ' -f1 /proc/loadavg)), peak RSS $((hwm_kb / 1024)) MB, RSS $((rss_kb / 1024)) MB"

RESULT=$(/usr/bin/python3 - "$T" "$reload_s" "$hwm_kb" "$rss_kb" "$CASES" "$cpu_s" <<'PY'
import json, sys
t = json.loads(sys.argv[1])
out = {"table": t, "e2e": {"cases": int(sys.argv[5]), "reload_s": float(sys.argv[2]),
                           "notifier_cpu_s": float(sys.argv[6]),
                           "peak_rss_mb": int(sys.argv[3]) / 1024, "rss_mb": int(sys.argv[4]) / 1024}}
ok = {"memory_under_300mb": out["e2e"]["peak_rss_mb"] < 300 and t["rss_added_mb"] < 300,
      "reload_under_5s": out["e2e"]["reload_s"] < 5 and t["reload_s"] < 5,
      "late_p99_under_50ms": t["late_p99_ms"] < 50}
out["targets"] = ok
print(json.dumps(out))
PY
)
echo "$RESULT" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
for k, ok in r["targets"].items():
    print("notifier target %s: %s" % (k, "ok" if ok else "BELOW TARGET"))'
if [ -n "${LIANDONG_BENCH_OUT:-}" ]; then
    echo "$RESULT" >"$LIANDONG_BENCH_OUT/notifier.json"
fi
