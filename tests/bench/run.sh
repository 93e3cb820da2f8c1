#!/usr/bin/env bash
# tests/bench/run.sh - every benchmark, in one run, on ONE private
# PostgreSQL (`make bench` builds first, then runs this).
#
# Starts a PostgreSQL 15 cluster with deploy/pg.sh (as the unprivileged
# user `liandong` when we are root: PostgreSQL refuses to run as root) on a
# free loopback port in a fresh directory, then runs every
# tests/bench/bench_*.sh in name order, and stops the cluster whatever
# happens. Each benchmark prints its own summary lines; a benchmark that
# exits non-zero is reported and makes the run exit 1, the others still run.
#
# What a bench_*.sh gets in its environment:
#   LIANDONG_BENCH_PGPORT    the cluster's port on 127.0.0.1
#   LIANDONG_BENCH_CONNINFO  libpq conninfo of database `liandong` (role liandong)
#   LIANDONG_BENCH_PGSUPER   conninfo of the bootstrap superuser (database
#                            postgres): create a database of your own with it,
#                            so benchmarks do not disturb one another
#   LIANDONG_BENCH_OUT       a directory for result files (NAME.json)
#   LIANDONG_BUILD           the build directory (default build)
# Env in: BENCH_KEEP=1 keeps the work directory; BENCH_ONLY=NAME runs
# bench_NAME.sh only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PG_SH=$ROOT/deploy/pg.sh

WORK=$(mktemp -d /tmp/liandong-bench.XXXXXX)
# pg.sh's cluster owner must be able to enter the directory.
chmod 0755 "$WORK"
mkdir -p "$WORK/out"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  bash "$PG_SH" stop "$WORK/pg" >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench: kept $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CONNINFO=$(bash "$PG_SH" start "$WORK/pg" "$PORT" | tail -n 1)
export LIANDONG_BENCH_PGPORT=$PORT
export LIANDONG_BENCH_CONNINFO=$CONNINFO
# The superuser's conninfo names its password file (pg.sh: SCRAM over TCP).
LIANDONG_BENCH_PGSUPER=$(bash "$PG_SH" conninfo "$WORK/pg" "$PORT" super)
export LIANDONG_BENCH_PGSUPER
export LIANDONG_BENCH_OUT=$WORK/out
export LIANDONG_BUILD=${LIANDONG_BUILD:-build}
echo "bench: PostgreSQL on 127.0.0.1:$PORT ($(bash "$PG_SH" datadir "$WORK/pg"))"

failed=()
shopt -s nullglob
for b in "$ROOT"/tests/bench/bench_*.sh; do
  name=$(basename "$b" .sh)
  # BENCH_ONLY=ledger runs bench_ledger.sh alone (when measuring one part).
  if [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "bench_${BENCH_ONLY}" ]; then
    continue
  fi
  echo "== $name"
  start=$SECONDS
  if bash "$b"; then
    echo "== $name done in $((SECONDS - start)) s"
  else
    echo "== $name FAILED (exit $?) after $((SECONDS - start)) s"
    failed+=("$name")
  fi
done

# Every result file, for whoever collects numbers.
for f in "$WORK"/out/*.json; do
  echo "== $(basename "$f")"
  cat "$f"
  echo
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "bench: failed: ${failed[*]}"
  exit 1
fi
echo "bench: all benchmarks ran"
