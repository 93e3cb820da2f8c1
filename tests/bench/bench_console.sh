#!/usr/bin/env bash
# bench_console.sh - the web console's pages at a city's history (issue
# 14: every page under 100 ms, median and p95, at 1,000,000 cases), run by
# tests/bench/run.sh. bench_console.py starts a Liandong of its own (its
# own PostgreSQL, as the system tests do), generates the cases, fetches
# every page with a logged-in session and prints the table below; the
# whole result goes to $LIANDONG_BENCH_OUT/console.json.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
OUT=${LIANDONG_BENCH_OUT:-$(mktemp -d)}
rc=0
/usr/bin/python3 "$ROOT/tests/bench/bench_console.py" >"$OUT/console.raw" || rc=$?
tail -n 1 "$OUT/console.raw" >"$OUT/console.json"
/usr/bin/python3 - "$OUT/console.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
print(f"console: {r['cases']} cases, {r['runs']} fetches per page (median / p95 ms, "
      f"target < {r['target_ms']:.0f}):")
for p in r["pages"]:
    flag = "" if max(p["median_ms"], p["p95_ms"]) < r["target_ms"] else "  OVER"
    if p["page"] == "POST /console/login":
        flag += "  (Argon2id password check: slow on purpose, not a page)"
    print(f"  {p['page']:64} {p['median_ms']:7.1f} {p['p95_ms']:7.1f}{flag}")
w, q = r["worst_median"], r["worst_p95"]
print(f"console: pages' worst median {w['median_ms']} ms ({w['page']}), worst p95 "
      f"{q['p95_ms']} ms ({q['page']})")
PY
exit "$rc"
