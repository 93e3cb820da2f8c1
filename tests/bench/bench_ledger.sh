#!/usr/bin/env bash
# bench_ledger.sh - the ledger's benchmark (run by tests/bench/run.sh, which
# provides the PostgreSQL): (a) pgbench ceiling, (b) end to end through the
# router, (c) figures over 1,000,000 cases. See bench_ledger.py.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
exec /usr/bin/python3 "$ROOT/tests/bench/bench_ledger.py"
