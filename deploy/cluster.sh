#!/usr/bin/env bash
# cluster.sh - a local failover cluster on loopback (`make cluster`, issue 17):
# a pg_auto_failover monitor, a primary and a standby with synchronous
# replication, and two of every service: two ledgers on the multi-host URI
# the monitor gives (one writes, holding the database's writer lock; the
# other stands by with its sockets unbound), two routers (two front-end and
# two desk endpoints) and two notifiers (one fires, holding the ledger's
# lease "notifier"; the other stands by). Every client takes both.
#
#   cluster.sh start  DIR   create on first use, start everything, wait until
#                           ready; writes DIR/cluster.env (endpoints, pids)
#   cluster.sh stop   DIR   services first, then the keepers and PostgreSQL
#   cluster.sh status DIR   the monitor's view and which services are alive
#   cluster.sh switchover DIR  planned switchover: the standby becomes primary
#
# Ports: LIANDONG_CLUSTER_BASE (default 5440) + 0 monitor, +1 node1, +2
# node2, +10/+11/+12 ledger 1 requests/events/metrics, +13/+14/+15 ledger 2,
# +20/+21 router 1 front/desk, +30/+31 router 2 front/desk, +40/+41
# notifier 1 alerts/health, +42/+43 notifier 2.
#
# LIANDONG_CLUSTER_NOTIFIER_ARGS: extra options for both notifiers (the
# failover test runs their clock faster so that alerts fall due under load).
#
# PostgreSQL never runs as root: as root, every pg_autoctl runs as Debian's
# `postgres` system user (unprivileged, in group postgres, which the socket
# folder /var/run/postgresql needs); otherwise as the caller, who must be in
# group postgres. The services run as the caller, like deploy/run.sh.
#
# The three-machine layout, manual switchover and upgrades: docs/failover.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${LIANDONG_BIN:-$ROOT/build/bin}
PGBIN=/usr/lib/postgresql/15/bin
BASE=${LIANDONG_CLUSTER_BASE:-5440}
READY_TIMEOUT=${LIANDONG_READY_TIMEOUT:-120}
PG_OS_USER=postgres

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() { die "usage: cluster.sh start|stop|status|switchover DIR"; }

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# pg_auto_failover is not needed by `make test`: install it here when
# missing (Debian's archive), rather than in deploy/install-deps.sh.
ensure_packages() {
  command -v pg_autoctl >/dev/null 2>&1 \
    && [ -f /usr/share/postgresql/15/extension/pgautofailover.control ] && return 0
  log "installing postgresql-15-auto-failover pg-auto-failover-cli"
  local sudo=()
  [ "$IS_ROOT" -eq 1 ] || sudo=(sudo -n)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -q -y --no-install-recommends \
    postgresql-15-auto-failover pg-auto-failover-cli >/dev/null \
    || die "cannot install pg_auto_failover (apt-get install failed)"
}

setup_paths() {
  DIR=$(realpath -m -- "$1")
  PGD=$DIR/pg                     # owned by the cluster's OS user
  MON=$PGD/monitor
  N1=$PGD/node1
  N2=$PGD/node2
  LOG=$DIR/log
  RUN=$DIR/run
  XDG=$DIR/xdg
  KEYS=$DIR/keys
  PGPASS=$DIR/autoctl.pgpass      # pg_auto_failover's own roles
  LEDGER_PASS=$DIR/ledger.pgpass  # the ledger's role
  P_MON=$BASE
  P_N1=$((BASE + 1))
  P_N2=$((BASE + 2))
  EP_LEDGER1=tcp://127.0.0.1:$((BASE + 10))
  EP_EVENTS1=tcp://127.0.0.1:$((BASE + 11))
  METRICS1=127.0.0.1:$((BASE + 12))
  EP_LEDGER2=tcp://127.0.0.1:$((BASE + 13))
  EP_EVENTS2=tcp://127.0.0.1:$((BASE + 14))
  METRICS2=127.0.0.1:$((BASE + 15))
  EP_LEDGER=$EP_LEDGER1,$EP_LEDGER2 # every client takes both
  EP_EVENTS=$EP_EVENTS1,$EP_EVENTS2
  EP_ROUTER1=tcp://127.0.0.1:$((BASE + 20))
  EP_DESK1=tcp://127.0.0.1:$((BASE + 21))
  EP_ROUTER2=tcp://127.0.0.1:$((BASE + 30))
  EP_DESK2=tcp://127.0.0.1:$((BASE + 31))
  EP_ALERTS1=tcp://127.0.0.1:$((BASE + 40))
  EP_NOTIFIER1=tcp://127.0.0.1:$((BASE + 41))
  EP_ALERTS2=tcp://127.0.0.1:$((BASE + 42))
  EP_NOTIFIER2=tcp://127.0.0.1:$((BASE + 43))
  EP_ALERTS=$EP_ALERTS1,$EP_ALERTS2
  SERVICES=(ledger1 ledger2 router1 router2 notifier1 notifier2)
}

# pg_autoctl as the cluster's owner. Its configuration and state go under
# DIR (XDG_*), not the owner's home; PGPASSFILE gives the keepers and the
# monitor's health checks the passwords of pg_auto_failover's roles.
autoctl() {
  local envs=(XDG_CONFIG_HOME="$XDG/config" XDG_DATA_HOME="$XDG/data"
    XDG_RUNTIME_DIR="$XDG/run" PGPASSFILE="$PGPASS" PATH="$PGBIN:$PATH")
  if [ "$IS_ROOT" -eq 1 ]; then
    (cd / && runuser -u "$PG_OS_USER" -- env "${envs[@]}" pg_autoctl "$@")
  else
    env "${envs[@]}" pg_autoctl "$@"
  fi
}

# Start `pg_autoctl run` for one data directory in the background.
autoctl_run() {
  local name=$1 pgdata=$2
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    return 0
  fi
  autoctl run --pgdata "$pgdata" >>"$LOG/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

psql_at() { # port db sql... (superuser, over the socket folder)
  local port=$1 db=$2
  shift 2
  local a=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$port" -d "$db" -U
    "$PG_SUPER")
  if [ "$IS_ROOT" -eq 1 ]; then
    (cd / && runuser -u "$PG_OS_USER" -- "${a[@]}" "$@")
  else
    "${a[@]}" "$@"
  fi
}

# Waits until PostgreSQL on port $1 accepts connections on its socket.
wait_pg() {
  local n=0
  while [ "$n" -lt 300 ]; do
    "$PGBIN/pg_isready" -q -h /var/run/postgresql -p "$1" && return 0
    sleep 0.2
    n=$((n + 1))
  done
  die "PostgreSQL on port $1 not ready"
}

# Waits until `pg_autoctl show state` on the monitor shows the wanted states.
wait_states() {
  local want=$1 deadline=$((SECONDS + READY_TIMEOUT)) out
  while :; do
    out=$(autoctl show state --pgdata "$MON" 2>/dev/null || true)
    if [ "$(printf '%s\n' "$out" | grep -cE "\| +($want) +\| +($want) *$")" -ge "${2:-1}" ]; then
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || { printf '%s\n' "$out" >&2; die "nodes not in state $want"; }
    # A node rejoining after a crash may fall back from pg_rewind to
    # pg_basebackup, which pg_autoctl 2.0 runs without --checkpoint=fast:
    # it waits for a spread checkpoint on the primary (up to 4.5 min with
    # the defaults). An immediate CHECKPOINT there ends that wait.
    if printf '%s\n' "$out" | grep -q 'catchingup'; then
      local p
      p=$(primary_port)
      [ -z "$p" ] || psql_at "$p" postgres -c CHECKPOINT >/dev/null 2>&1 || true
    fi
    sleep 1
  done
}

# 32 hex digits; od reads exactly 16 bytes (no SIGPIPE under pipefail).
new_password() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# Writes a libpq password file, 0600 before anything is written to it.
write_pgpass() {
  local f=$1 owner=$2
  shift 2
  (umask 077 && printf '%s\n' "$@" >"$f")
  [ "$IS_ROOT" -eq 0 ] || [ "$owner" = root ] || chown "$owner" "$f"
}

create_cluster() {
  local pw_node pw_repl pw_mon
  pw_node=$(new_password)
  pw_repl=$(new_password)
  pw_mon=$(new_password)
  write_pgpass "$PGPASS" "$PG_OS_USER" \
    "*:$P_MON:pg_auto_failover:autoctl_node:$pw_node" \
    "*:*:*:pgautofailover_replicator:$pw_repl" \
    "*:*:*:pgautofailover_monitor:$pw_mon"
  log "creating the monitor (port $P_MON)"
  autoctl create monitor --pgdata "$MON" --pgport "$P_MON" --hostname 127.0.0.1 \
    --auth scram-sha-256 --no-ssl --pgctl "$PGBIN/pg_ctl" >>"$LOG/create.log" 2>&1 \
    || die "pg_autoctl create monitor failed (see $LOG/create.log)"
  # `create monitor` has no --listen: loopback only, like every node here.
  autoctl config set --pgdata "$MON" postgresql.listen_addresses 127.0.0.1 >/dev/null
  autoctl_run monitor "$MON"
  wait_pg "$P_MON"
  # Fast failover (ENGINEERING-NOTES: ~14 s instead of ~50 s): the monitor
  # checks every second and calls a node unhealthy after 5 s; a primary cut
  # off from the monitor demotes itself after 8 s.
  psql_at "$P_MON" pg_auto_failover >/dev/null <<SQL
ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 5000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 8000;
SET password_encryption = 'scram-sha-256';
ALTER ROLE autoctl_node PASSWORD '$pw_node';
SELECT pg_reload_conf();
SQL
  local murl="postgres://autoctl_node@127.0.0.1:$P_MON/pg_auto_failover?sslmode=disable"
  local n port name
  for n in 1 2; do
    name=node$n
    port=$((BASE + n))
    log "creating $name (port $port)"
    autoctl create postgres --pgdata "$PGD/$name" --pgport "$port" --hostname 127.0.0.1 \
      --listen 127.0.0.1 --name "$name" --dbname liandong --monitor "$murl" \
      --auth scram-sha-256 --no-ssl --pgctl "$PGBIN/pg_ctl" >>"$LOG/create.log" 2>&1 \
      || die "pg_autoctl create postgres $name failed (see $LOG/create.log)"
    autoctl config set --pgdata "$PGD/$name" timeout.network_partition_timeout 5 >/dev/null
    autoctl config set --pgdata "$PGD/$name" replication.password "$pw_repl" >/dev/null
    autoctl_run "$name" "$PGD/$name"
    if [ "$n" -eq 1 ]; then
      wait_states single
      wait_pg "$P_N1"
      # The replication and health-check roles' passwords, set on the
      # primary before the standby copies it (pg_autoctl sets none).
      psql_at "$P_N1" postgres >/dev/null <<SQL
SET password_encryption = 'scram-sha-256';
ALTER ROLE pgautofailover_replicator PASSWORD '$pw_repl';
ALTER ROLE pgautofailover_monitor PASSWORD '$pw_mon';
SQL
    fi
  done
  wait_states "primary|secondary" 2
  touch "$DIR/created"
}

# pg_autoctl's `--auth scram-sha-256` still puts `trust` rules for
# 127.0.0.1 first in pg_hba.conf, so loopback passwords are never asked
# (ENGINEERING-NOTES), and its own monitor role is trusted: every TCP rule
# becomes scram-sha-256 (the roles have passwords by now), and so does the
# socket (/var/run/postgresql, open to group postgres), but for the
# cluster's OS owner as itself (peer, as in deploy/pg.sh): the keepers
# administer their node that way.
enforce_scram() {
  local d f script
  script="/^host/s/[[:space:]]trust([[:space:]]|\$)/ scram-sha-256\\1/
/^local/s/[[:space:]]trust([[:space:]]|\$)/ scram-sha-256\\1/
0,/^local/s/^local/local all $PG_SUPER peer\\nlocal/"
  for d in "$MON" "$N1" "$N2"; do
    f=$d/pg_hba.conf
    grep -qE '^(host|local).*[[:space:]]trust([[:space:]]|$)' "$f" || continue
    if [ "$IS_ROOT" -eq 1 ]; then
      runuser -u "$PG_OS_USER" -- sed -i -E -e "$script" "$f"
    else
      sed -i -E -e "$script" "$f"
    fi
  done
  psql_at "$P_MON" pg_auto_failover -c 'SELECT pg_reload_conf()' >/dev/null
  psql_at "$P_N1" postgres -c 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true
  psql_at "$P_N2" postgres -c 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true
}

# The primary's port, from the monitor.
primary_port() {
  autoctl show state --pgdata "$MON" 2>/dev/null \
    | awk -F'|' '$NF ~ /primary|single|wait_primary/ && $(NF-1) ~ /primary|single|wait_primary/ {
        split($3, a, ":"); gsub(/ /, "", a[2]); print a[2]; exit }'
}

app_roles() {
  local port pw_l pw_r
  port=$(primary_port)
  [ -n "$port" ] || die "no primary"
  if [ -s "$LEDGER_PASS" ]; then
    pw_l=$(awk -F: '$4 == "liandong" {print $5; exit}' "$LEDGER_PASS")
    pw_r=$(awk -F: '$4 == "liandong_report" {print $5; exit}' "$LEDGER_PASS")
  else
    pw_l=$(new_password)
    pw_r=$(new_password)
    write_pgpass "$LEDGER_PASS" root "127.0.0.1:*:liandong:liandong:$pw_l" \
      "127.0.0.1:*:liandong:liandong_report:$pw_r"
  fi
  wait_pg "$port"
  psql_at "$port" postgres >/dev/null <<SQL
SET password_encryption = 'scram-sha-256';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liandong') THEN CREATE ROLE liandong LOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'liandong_report') THEN CREATE ROLE liandong_report LOGIN; END IF;
END \$\$;
ALTER ROLE liandong PASSWORD '$pw_l';
ALTER ROLE liandong_report PASSWORD '$pw_r' NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER DATABASE liandong OWNER TO liandong;
SQL
  psql_at "$port" liandong -c 'ALTER SCHEMA public OWNER TO liandong' >/dev/null
}

start_svc() {
  local name=$1
  shift
  local bin=${name%[0-9]}
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    return 0
  fi
  printf '\n=== %s start %s ===\n' "$name" "$(date -u +%FT%TZ)" >>"$LOG/$name.log"
  "$BIN/$bin" "$@" >>"$LOG/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

# A service that died while starting (say, its port was taken) fails the
# start at once, with its log, instead of after the whole timeout.
check_alive() {
  local name f
  for name in "${SERVICES[@]}"; do
    f=$RUN/$name.pid
    [ -f "$f" ] || continue
    kill -0 "$(cat "$f")" 2>/dev/null && continue
    tail -n 20 "$LOG/$name.log" >&2 || true
    die "$name exited during start-up (see $LOG/$name.log)"
  done
}

retry_until() {
  local what=$1 deadline=$((SECONDS + READY_TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    check_alive
    [ "$SECONDS" -lt "$deadline" ] || { "$@" || true; die "$what: not ready"; }
    sleep 0.3
  done
}

cmd_start() {
  setup_paths "$1"
  ensure_packages
  for b in ledger router notifier petition; do
    [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run \`make\` first"
  done
  PG_SUPER=$(id -un)
  [ "$IS_ROOT" -eq 0 ] || PG_SUPER=$PG_OS_USER
  mkdir -p "$DIR" "$LOG" "$RUN" "$XDG" "$PGD"
  chmod 0700 "$PGD"
  if [ "$IS_ROOT" -eq 1 ]; then
    # The cluster's owner must reach DIR and own its PostgreSQL parts. We
    # do not loosen directories above DIR that are closed to it.
    runuser -u "$PG_OS_USER" -- test -x "$(dirname -- "$DIR")" \
      || die "$PG_OS_USER cannot reach $(dirname -- "$DIR"): choose a DIR it can enter"
    chmod 0755 "$DIR"
    chown "$PG_OS_USER" "$LOG" "$XDG" "$PGD"
    chmod 0777 "$RUN"
  fi
  if [ ! -f "$DIR/created" ]; then
    create_cluster
  else
    autoctl_run monitor "$MON"
    autoctl_run node1 "$N1"
    autoctl_run node2 "$N2"
    wait_states "primary|secondary" 2
  fi
  enforce_scram
  app_roles
  local uri
  uri=$(autoctl show uri --pgdata "$MON" --formation default)
  # Who and with which password file: the URI names neither.
  local db="$uri&user=liandong&passfile=$LEDGER_PASS"
  export LIANDONG_KEYS=$KEYS
  "$BIN/petition" keys bootstrap --registry "$ROOT/deploy/registry/sample.json" --dir "$KEYS" \
    >/dev/null || die "petition keys bootstrap failed"
  # Two ledgers on the same database: whichever takes the writer lock
  # first writes, the other stands by (services/ledger/db.c).
  start_svc ledger1 --listen "$EP_LEDGER1" --events "$EP_EVENTS1" --db "$db" \
    --schema-dir "$ROOT/deploy/schema" --metrics "$METRICS1"
  start_svc ledger2 --listen "$EP_LEDGER2" --events "$EP_EVENTS2" --db "$db" \
    --schema-dir "$ROOT/deploy/schema" --metrics "$METRICS2"
  retry_until "registry import" "$BIN/petition" --ledger "$EP_LEDGER" --identity admin.root \
    registry import "$ROOT/deploy/registry/sample.json"
  start_svc router1 --listen "$EP_ROUTER1" --desk "$EP_DESK1" --ledger "$EP_LEDGER" \
    --lexicon "$ROOT/deploy/lexicon" --alerts "$EP_ALERTS"
  start_svc router2 --listen "$EP_ROUTER2" --desk "$EP_DESK2" --ledger "$EP_LEDGER" \
    --lexicon "$ROOT/deploy/lexicon" --alerts "$EP_ALERTS"
  local nargs=()
  read -r -a nargs <<<"${LIANDONG_CLUSTER_NOTIFIER_ARGS:-}"
  start_svc notifier1 --listen "$EP_NOTIFIER1" --ledger "$EP_LEDGER" --events "$EP_EVENTS" \
    --alerts "$EP_ALERTS1" --router "$EP_ROUTER1,$EP_ROUTER2" "${nargs[@]}"
  start_svc notifier2 --listen "$EP_NOTIFIER2" --ledger "$EP_LEDGER" --events "$EP_EVENTS" \
    --alerts "$EP_ALERTS2" --router "$EP_ROUTER1,$EP_ROUTER2" "${nargs[@]}"
  retry_until "router 1" "$BIN/petition" --router "$EP_ROUTER1" --ledger "$EP_LEDGER" ping
  retry_until "router 2" "$BIN/petition" --router "$EP_ROUTER2" --ledger "$EP_LEDGER" ping
  cat >"$DIR/cluster.env" <<ENV
# Written by deploy/cluster.sh start; sourced by tests and operators.
LIANDONG_KEYS=$KEYS
LIANDONG_LEDGER=$EP_LEDGER
LIANDONG_ROUTER=$EP_ROUTER1,$EP_ROUTER2
LIANDONG_DESK=$EP_DESK1,$EP_DESK2
CLUSTER_EVENTS=$EP_EVENTS
CLUSTER_ALERTS=$EP_ALERTS
CLUSTER_MONITOR_PORT=$P_MON
CLUSTER_NODE1_PORT=$P_N1
CLUSTER_NODE2_PORT=$P_N2
CLUSTER_DB='$db'
CLUSTER_REPORT_DB='$uri&user=liandong_report&passfile=$LEDGER_PASS'
ENV
  log "ready: routers $EP_ROUTER1,$EP_ROUTER2 desks $EP_DESK1,$EP_DESK2 ledgers $EP_LEDGER"
  log "database $uri"
  printf '%s\n' "$DIR/cluster.env"
}

stop_pid() {
  local name=$1 f=$RUN/$1.pid pid n=0
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -TERM "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 150 ]; do
      sleep 0.1
      n=$((n + 1))
    done
    kill -0 "$pid" 2>/dev/null && { log "$name ignored SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$f"
}

cmd_stop() {
  setup_paths "$1"
  local name
  # Front-ends first, the ledger last, PostgreSQL after every client.
  for name in notifier1 notifier2 router1 router2 ledger1 ledger2; do stop_pid "$name"; done
  # The standby before the primary: stopping the primary first would make
  # the monitor promote the standby on the way out.
  local order=(node1 node2)
  [ "$(primary_port 2>/dev/null || true)" != "$P_N1" ] || order=(node2 node1)
  for name in "${order[@]}" monitor; do
    if [ -d "$PGD/$name" ]; then
      autoctl stop --pgdata "$PGD/$name" >/dev/null 2>&1 || true
    fi
    stop_pid "$name"
  done
}

cmd_status() {
  setup_paths "$1"
  autoctl show state --pgdata "$MON" || true
  local name pid
  for name in "${SERVICES[@]}"; do
    pid=$(cat "$RUN/$name.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      printf '%-9s running (pid %s)\n' "$name" "$pid"
    else
      printf '%-9s stopped\n' "$name"
    fi
  done
}

cmd_switchover() {
  setup_paths "$1"
  autoctl perform switchover --pgdata "$MON"
}

[ $# -eq 2 ] || usage
case "$1" in
  start) cmd_start "$2" ;;
  switchover) cmd_switchover "$2" ;;
  stop) cmd_stop "$2" ;;
  status) cmd_status "$2" ;;
  *) usage ;;
esac
