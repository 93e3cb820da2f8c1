#!/usr/bin/env bash
# tests/bench/bench_router.sh - router figures for `make bench` (run by
# tests/bench/run.sh). Builds nothing: it runs build/bench/router_bench,
# which `make bench-bins` builds, on generated data:
#   - decisions per second on one core over 20,000 generated demands
#     (texts from the routing samples and tests/router/*.jsonl, compounds from
#     a generated 2,000-compound registry), per wall second and per second
#     of the thread's CPU time (the honest figure on a shared machine);
#   - load time and resident memory of a generated 100,000-compound
#     registry (parse + validate + locator + lexicons), and decisions per
#     second against it.
# Targets (issue 6): >= 200,000 decisions/s per core; 100,000 compounds
# load in < 2 s and < 200 MB.
# Env: BUILD (default build), BENCH_SECONDS (default 3).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
SECONDS_PER_RUN=${BENCH_SECONDS:-3}
BIN=$BUILD/bench/router_bench
PY=/usr/bin/python3
if [ ! -x "$BIN" ]; then
    echo "bench_router: $BIN missing (run make bench-bins)" >&2
    exit 1
fi
FIXTURES=${LIANDONG_FIXTURES:-$ROOT/tests/fixtures/routing}
WORK=$(mktemp -d /tmp/bench_router.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Texts: the routing samples (tests/fixtures/routing), and the router's own test sets.
: >"$WORK/texts.jsonl"
[ -f "$FIXTURES/demands.jsonl" ] && cat "$FIXTURES/demands.jsonl" >>"$WORK/texts.jsonl"
for f in tests/router/*.jsonl; do
    [ -f "$f" ] && grep -h '"text"' "$f" >>"$WORK/texts.jsonl" || true
done

$PY tests/bench/gen_registry.py 2000 "$WORK/reg2k.json"
$PY tests/bench/gen_registry.py 100000 "$WORK/reg100k.json"
$PY tests/bench/gen_demands.py 20000 "$WORK/reg2k.json" "$WORK/texts.jsonl" "$WORK/d2k.jsonl"
$PY tests/bench/gen_demands.py 20000 "$WORK/reg100k.json" "$WORK/texts.jsonl" "$WORK/d100k.jsonl"

small=$("$BIN" "$WORK/reg2k.json" "$WORK/d2k.jsonl" deploy/lexicon "$SECONDS_PER_RUN")
large=$("$BIN" "$WORK/reg100k.json" "$WORK/d100k.jsonl" deploy/lexicon "$SECONDS_PER_RUN")
echo "router (2,000 compounds):   $small"
echo "router (100,000 compounds): $large"
$PY - "$small" "$large" <<'PYEOF'
import json, sys
s, l = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def mark(ok):
    return "ok" if ok else "BELOW TARGET"
print(f"router decisions/s, one core, {s['corpus']} demands: "
      f"{s['decisions_per_cpu_s']:.0f} per CPU second, {s['decisions_per_s']:.0f} per wall second "
      f"(target >= 200000: {mark(s['decisions_per_cpu_s'] >= 200000)})")
print(f"router decisions/s against 100k compounds: {l['decisions_per_cpu_s']:.0f} per CPU second")
print(f"router 100k-compound registry load: {l['registry_load_s']:.2f} s wall, "
      f"{l['registry_load_cpu_s']:.2f} s CPU (parse {l['registry_parse_cpu_s']:.2f} s), "
      f"{l['registry_rss_mb']:.1f} MB resident "
      f"(target < 2 s: {mark(l['registry_load_cpu_s'] < 2.0)}, < 200 MB: {mark(l['registry_rss_mb'] < 200)})")
PYEOF
