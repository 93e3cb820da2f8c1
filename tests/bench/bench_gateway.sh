#!/usr/bin/env bash
# bench_gateway.sh - Open311 POSTs/s through the gateway against the ZeroMQ
# front door in the same run (bench_gateway.py; it starts a private
# Liandong of its own).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
exec /usr/bin/python3 "$ROOT/tests/bench/bench_gateway.py"
