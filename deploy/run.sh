#!/usr/bin/env bash
# run.sh - `make run`: a complete local Liandong on loopback.
# Starts the embedded PostgreSQL cluster (var/pg, port 5433), the ledger,
# imports the sample registry, starts the router and the notifier, waits
# until `petition ping` answers, then stays in the foreground. Ctrl-C stops
# the services first (so the ledger can finish its transactions) and then
# PostgreSQL. Logs: var/log/*.log. Override ports with the env vars below.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BIN=${LIANDONG_BIN:-build/bin}
PG_PORT=${LIANDONG_PG_PORT:-5433}
PG_DIR=${LIANDONG_PG_DIR:-var/pg}
LOG_DIR=var/log
LEDGER=tcp://127.0.0.1:7301
EVENTS=tcp://127.0.0.1:7302
# Prometheus /metrics (HTTP), loopback only; LIANDONG_LEDGER_METRICS= turns it off.
METRICS=${LIANDONG_LEDGER_METRICS-127.0.0.1:7303}
ROUTER=tcp://127.0.0.1:7311
DESK=tcp://127.0.0.1:7312
ALERTS=tcp://127.0.0.1:7321
# The HTTP gateway (Open311 under /open311/v2/), loopback only.
GATEWAY_HTTP=${LIANDONG_GATEWAY_HTTP:-127.0.0.1:7380}
GATEWAY_DIR=var/gateway
READY_TIMEOUT=${LIANDONG_READY_TIMEOUT:-30}   # seconds

log() { printf 'run.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for b in ledger router notifier gateway petition; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run \`make\` first"
done
mkdir -p "$LOG_DIR"

# One clock for the whole system (lib/clock.h, README "The system's clock"):
# `LIANDONG_CLOCK_SPEED=3600 make run` runs every service, and the CLI
# started from here, an hour a second, deadlines and figures included. The
# anchor (now, unless given) is what lets processes started one after the
# other agree on the simulated time; nonsense settings stop each binary at
# start with the reason.
if [ "${LIANDONG_CLOCK_SPEED:-1}" != "1" ] || [ -n "${LIANDONG_CLOCK_START_MS:-}" ]; then
  export LIANDONG_CLOCK_SPEED=${LIANDONG_CLOCK_SPEED:-1}
  export LIANDONG_CLOCK_ANCHOR_MS=${LIANDONG_CLOCK_ANCHOR_MS:-$(date +%s%3N)}
  [ -z "${LIANDONG_CLOCK_START_MS:-}" ] || export LIANDONG_CLOCK_START_MS
  CLOCK_INFO="x$LIANDONG_CLOCK_SPEED from anchor $LIANDONG_CLOCK_ANCHOR_MS; in another terminal: export LIANDONG_CLOCK_SPEED=$LIANDONG_CLOCK_SPEED LIANDONG_CLOCK_ANCHOR_MS=$LIANDONG_CLOCK_ANCHOR_MS${LIANDONG_CLOCK_START_MS:+ LIANDONG_CLOCK_START_MS=$LIANDONG_CLOCK_START_MS}"
  log "accelerated clock: $CLOCK_INFO"
fi

# The CLI finds the services through these (flags would work too).
export LIANDONG_ROUTER=$ROUTER LIANDONG_LEDGER=$LEDGER
# CURVE keys for every process (lib/secure.h): var/keys is also the
# default of every binary, so the CLI works from the repo root as is.
export LIANDONG_KEYS=${LIANDONG_KEYS:-$ROOT/var/keys}
petition() { "$BIN/petition" --router "$ROUTER" --ledger "$LEDGER" "$@"; }

declare -A PIDS=()
STOPPING=0

stop_all() {
  # Idempotent: reached from the trap and from the normal exit path.
  [ "$STOPPING" -eq 0 ] || return 0
  STOPPING=1
  trap - INT TERM EXIT
  log "stopping services"
  # Reverse start order: front-ends first, the ledger (which holds the
  # database connection) last, so nothing is cut off mid-commit.
  local name pid i
  for name in gateway notifier router ledger; do
    pid=${PIDS[$name]:-}
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || continue
    # Give each service 10 s to exit cleanly before forcing it.
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not exit after SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  log "stopping PostgreSQL"
  bash deploy/pg.sh stop "$PG_DIR" || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

start_svc() {
  local name=$1; shift
  # Append, with a marker, so earlier runs' logs are kept for diagnosis.
  printf '\n=== %s start %s ===\n' "$name" "$(date -u +%FT%TZ)" >>"$LOG_DIR/$name.log"
  "$BIN/$name" "$@" >>"$LOG_DIR/$name.log" 2>&1 &
  PIDS[$name]=$!
  log "$name started (pid ${PIDS[$name]}, log $LOG_DIR/$name.log)"
}

check_alive() {
  local name
  for name in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      tail -n 20 "$LOG_DIR/$name.log" >&2 || true
      die "$name exited during start-up (see $LOG_DIR/$name.log; are its ports in use?)"
    fi
  done
}

# Retry a command until it succeeds, a service dies, or the deadline passes.
retry_until() {
  local what=$1; shift
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    check_alive
    [ "$SECONDS" -lt "$deadline" ] || { "$@" || true; die "$what: not ready after ${READY_TIMEOUT}s"; }
    sleep 0.2
  done
}

# 0. Keys: the services', an operator's, the administrator's, each
#    front-end's and each body's (docs/roles.md).
#    Idempotent (existing keys are kept), so clients keep working across runs.
if [ "${LIANDONG_INSECURE:-0}" != "1" ]; then
  "$BIN/petition" keys bootstrap --registry deploy/registry/sample.json --dir "$LIANDONG_KEYS" >/dev/null \
    || die "petition keys bootstrap failed"
fi

# 1. PostgreSQL (idempotent: reuses a running cluster).
#    TCP asks passwords: the conninfo names the ledger role's password file
#    (pg.sh); reports and audits use the read-only role, which cannot read
#    residents' names and phones.
CONNINFO=$(bash deploy/pg.sh start "$PG_DIR" "$PG_PORT" | tail -n 1)
[ -n "$CONNINFO" ] || die "pg.sh printed no conninfo"
REPORT_CONNINFO=$(bash deploy/pg.sh conninfo "$PG_DIR" "$PG_PORT" report)

# 2. The ledger, then the registry: the router needs a registry to place
#    demands. Importing the same registry again is harmless (a new version).
start_svc ledger --listen "$LEDGER" --events "$EVENTS" --db "$CONNINFO" --schema-dir deploy/schema \
  --metrics "$METRICS"
#    An administrator's key imports it (the CLI's default for `registry
#    import`): no other role may change the registry.
retry_until "registry import" petition --identity admin.root registry import deploy/registry/sample.json

# 3. The router and the notifier. Repeats of an open case's problem join it
#    (docs/repeats.md; the binary's default is off, so tests that send the
#    same text twice get two cases unless they ask for matching).
start_svc router --listen "$ROUTER" --desk "$DESK" --ledger "$LEDGER" --lexicon deploy/lexicon \
  --repeat-threshold "${LIANDONG_REPEAT_THRESHOLD:-40}"
start_svc notifier --ledger "$LEDGER" --events "$EVENTS" --alerts "$ALERTS" --router "$ROUTER"
retry_until "petition ping" petition ping

# 4. The gateway, with a sample front-end's Open311 api_key (channel
#    hotline). The key is made once and kept (clients keep working across
#    runs); the gateway itself holds only its SHA-256 (api_keys).
mkdir -p "$GATEWAY_DIR"
if [ ! -s "$GATEWAY_DIR/api_key" ]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' >"$GATEWAY_DIR/api_key")
fi
"$BIN/gateway" --hash-api-key --channel hotline <"$GATEWAY_DIR/api_key" >"$GATEWAY_DIR/api_keys" \
  || die "gateway --hash-api-key failed"
# The WeChat official account's settings (services/gateway/wechat_conf.h):
# made once and kept, like the api_key (the account's server settings in
# WeChat's console must name the same token, EncodingAESKey and AppID).
if [ ! -s "$GATEWAY_DIR/wechat.conf" ]; then
  (umask 077
   hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
   printf 'token = %s\nencoding_aes_key = %s\nappid = wx%s\n' "$(hex 12)" \
     "$(head -c 32 /dev/urandom | base64 | tr -d '=\n')" "$(hex 8)" >"$GATEWAY_DIR/wechat.conf")
fi
sed -n 's/^token = //p' "$GATEWAY_DIR/wechat.conf" >"$GATEWAY_DIR/wechat_token"
export LIANDONG_GATEWAY_WECHAT=$ROOT/$GATEWAY_DIR/wechat.conf
# 4b. The web console (/console/ on the gateway): its accounts, its audit
#     file, and the router's desk socket it acts on for a body's staff.
#     The first operator's account (operator.admin, whose key bootstrap
#     made) is created once, with a generated password written to
#     var/console/first_login (0600); `petition accounts set` adds others.
CONSOLE_DIR=var/console
(umask 077; mkdir -p "$CONSOLE_DIR")
export LIANDONG_DESK=$DESK
export LIANDONG_CONSOLE_ACCOUNTS=$ROOT/$CONSOLE_DIR/accounts
export LIANDONG_CONSOLE_AUDIT=$ROOT/$CONSOLE_DIR/audit.log
if [ ! -s "$CONSOLE_DIR/first_login" ] \
   || ! grep -q '^operator\.admin ' "$CONSOLE_DIR/accounts" 2>/dev/null; then
  FIRST_PW=$(petition accounts set --principal operator.admin --generate \
             | sed -n 's/^password: //p')
  [ -n "$FIRST_PW" ] || die "petition accounts set failed"
  (umask 077; printf 'operator.admin %s\n' "$FIRST_PW" >"$CONSOLE_DIR/first_login")
  unset FIRST_PW
fi
start_svc gateway --http "$GATEWAY_HTTP" --router "$ROUTER" --ledger "$LEDGER" \
  --api-keys "$GATEWAY_DIR/api_keys"
retry_until "gateway" bash -c "exec 3<>/dev/tcp/${GATEWAY_HTTP%:*}/${GATEWAY_HTTP##*:}"

cat <<INFO

Liandong is running (Ctrl-C stops everything):
  PostgreSQL  $CONNINFO
  reports     $REPORT_CONNINFO (read-only, no names or phones)
  ledger      requests $LEDGER, events $EVENTS, metrics ${METRICS:+http://$METRICS/metrics}
  router      front-end $ROUTER, department desk $DESK
  notifier    alerts $ALERTS
  gateway     http://$GATEWAY_HTTP/  (Open311: http://$GATEWAY_HTTP/open311/v2/discovery.json)
    api_key (hotline)   $(cat "$GATEWAY_DIR/api_key")   ($ROOT/$GATEWAY_DIR/api_key)
    WeChat callback     http://$GATEWAY_HTTP/wechat  token $(cat "$GATEWAY_DIR/wechat_token")
                        ($ROOT/$GATEWAY_DIR/wechat_token; AES key and AppID: wechat.conf)
  console     http://$GATEWAY_HTTP/console/
    first operator      $(cut -d' ' -f1 "$CONSOLE_DIR/first_login")  password $(cut -d' ' -f2 "$CONSOLE_DIR/first_login")   ($ROOT/$CONSOLE_DIR/first_login)
    add an account      echo PASSWORD | $BIN/petition accounts set --principal staff.zhang@PC-YH
  logs        $ROOT/$LOG_DIR/{ledger,router,notifier,gateway}.log
  clock       ${CLOCK_INFO:-real time}
  CURVE keys  $LIANDONG_KEYS  (roles: docs/roles.md; \`petition keys list\`)
    administrator   $LIANDONG_KEYS/admin.root.key        (registry import, keys)
    operator        $LIANDONG_KEYS/operator.admin.key    (the CLI's default)
    a desk          $LIANDONG_KEYS/body.PC-YH.key        (body PC-YH: --identity body.PC-YH)
    a front-end     $LIANDONG_KEYS/frontend.hotline.key  (channel hotline)

Try (from $ROOT):
  $BIN/petition submit --channel hotline --id EXT-1 --address 鸿翔花园3栋 --text "3栋楼道的灯坏了"
  $BIN/petition --identity body.PC-YH desk --body PC-YH
  $BIN/petition --identity body.PC-YH reply CASE_ID --body PC-YH --text "已派电工维修"
  curl http://$GATEWAY_HTTP/open311/v2/services.json
INFO

# Stay in the foreground; if any service dies, say which and stop the rest
# rather than leaving a half-working system behind.
while :; do
  set +e
  wait -n "${PIDS[@]}"
  set -e
  [ "$STOPPING" -eq 0 ] || break
  for name in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      tail -n 20 "$LOG_DIR/$name.log" >&2 || true
      log "$name exited unexpectedly; shutting down"
      exit 1
    fi
  done
done
