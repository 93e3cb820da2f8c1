#!/usr/bin/env bash
# pg.sh - a private, embedded PostgreSQL 15 cluster for the ledger.
#
#   pg.sh start    DATADIR PORT   initdb on first use, start, wait until ready,
#                                 create role+database `liandong`; the last
#                                 line on stdout is the libpq conninfo
#   pg.sh stop     DATADIR        fast shutdown (no-op when not running)
#   pg.sh conninfo DATADIR PORT   print the conninfo
#   pg.sh datadir  DATADIR        print where the cluster really lives
#
# The cluster is private to one checkout or one test run: it listens only on
# 127.0.0.1 and on a unix socket inside its data directory, and it trusts
# local connections (no passwords to manage or leak). Do not expose it.
#
# PostgreSQL refuses to run as root. As root we run initdb/pg_ctl as the
# system user `liandong` (created on demand). That user must be able to reach
# DATADIR: if some parent directory is closed to it (say the repo lives under
# /root, or DATADIR is inside a 0700 mktemp directory), the cluster goes to
# /tmp/liandong-pg-<hash of DATADIR> instead of loosening permissions on
# directories we do not own. The hash keeps that choice stable, so start and
# stop always find the same cluster; `pg.sh datadir` tells where it is.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
PGUSER_OS=liandong      # OS user that owns the cluster when we are root
SUPERUSER=postgres      # bootstrap superuser inside the cluster
APPROLE=liandong        # role and database the ledger uses

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() { die "usage: pg.sh start DATADIR PORT | stop DATADIR | conninfo DATADIR PORT | datadir DATADIR"; }

[ -x "$PGBIN/pg_ctl" ] || die "PostgreSQL 15 not found in $PGBIN (run deploy/install-deps.sh)"

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# Run a PostgreSQL tool as the cluster's owner.
# From /, since the caller's working directory (say, a repo under /root) may
# be closed to that user; every path we pass is absolute.
as_owner() {
  if [ "$IS_ROOT" -eq 1 ]; then
    (cd / && runuser -u "$PGUSER_OS" -- "$@")
  else
    "$@"
  fi
}

ensure_os_user() {
  [ "$IS_ROOT" -eq 1 ] || return 0
  id -u "$PGUSER_OS" >/dev/null 2>&1 && return 0
  # --system: no password, no ageing; nologin: nobody logs in as it.
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$PGUSER_OS" 2>/dev/null \
    || id -u "$PGUSER_OS" >/dev/null 2>&1 \
    || die "cannot create system user $PGUSER_OS"
}

abspath() {
  # realpath -m works for paths that do not exist yet.
  realpath -m -- "$1"
}

# Where the cluster really lives for DATADIR (see the header comment).
real_datadir() {
  local want parent
  want=$(abspath "$1")
  [ "$IS_ROOT" -eq 1 ] || { printf '%s\n' "$want"; return; }
  parent=$(dirname -- "$want")
  mkdir -p -- "$parent"
  if id -u "$PGUSER_OS" >/dev/null 2>&1 && runuser -u "$PGUSER_OS" -- test -x "$parent"; then
    printf '%s\n' "$want"
  else
    printf '/tmp/liandong-pg-%s\n' "$(printf '%s' "$want" | sha256sum | cut -c1-12)"
  fi
}

conninfo() {
  # TCP rather than the socket: every client (root or not) can reach it.
  printf 'host=127.0.0.1 port=%s dbname=%s user=%s connect_timeout=5\n' "$1" "$APPROLE" "$APPROLE"
}

is_running() {
  [ -f "$1/PG_VERSION" ] && as_owner "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

write_config() {
  local dir=$1 port=$2
  # Rewritten on every start so the port and settings follow this script;
  # postgresql.conf includes it (added once after initdb).
  cat >"$dir/liandong.conf" <<CONF
# Written by deploy/pg.sh on every start; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
max_connections = 100
# PostgreSQL's own default: a year of roll-ups and the open cases stay cached.
shared_buffers = 128MB
# Durability is a feature: an acknowledged case survives a crash.
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
timezone = 'UTC'
CONF
  # LIANDONG_PG_CONF: extra settings for one run (say, pg_stat_statements
  # when profiling a benchmark), appended after ours so they win.
  if [ -n "${LIANDONG_PG_CONF:-}" ]; then printf '%s\n' "$LIANDONG_PG_CONF" >>"$dir/liandong.conf"; fi
  # Trust, but only for the private socket and loopback (see header).
  cat >"$dir/pg_hba.conf" <<HBA
# Written by deploy/pg.sh: private embedded cluster, loopback only.
local all all              trust
host  all all 127.0.0.1/32 trust
HBA
  if [ "$IS_ROOT" -eq 1 ]; then chown "$PGUSER_OS:" "$dir/liandong.conf" "$dir/pg_hba.conf"; fi
}

psql_super() {
  local dir=$1 port=$2; shift 2
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$SUPERUSER" -d postgres "$@"
}

cmd_start() {
  local datadir=$1 port=$2 dir
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port: $port"
  ensure_os_user
  dir=$(real_datadir "$datadir")
  if [ "$dir" != "$(abspath "$datadir")" ]; then
    log "$datadir is not reachable by user $PGUSER_OS; cluster lives in $dir"
  fi
  mkdir -p -- "$dir"
  # PostgreSQL insists on 0700/0750 data directories owned by its user.
  chmod 0700 -- "$dir"
  if [ "$IS_ROOT" -eq 1 ]; then chown -R "$PGUSER_OS:" -- "$dir"; fi

  if [ ! -f "$dir/PG_VERSION" ]; then
    # An interrupted initdb leaves a partial directory; initdb needs it empty.
    if [ -n "$(ls -A -- "$dir")" ]; then
      die "$dir is not empty and holds no cluster; remove it and retry"
    fi
    log "initdb $dir"
    # UTF-8 everywhere: demands are Chinese text. C.UTF-8 exists on Debian
    # without generating locales.
    as_owner "$PGBIN/initdb" -D "$dir" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=trust >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; die "initdb failed"; }
    rm -f -- "$dir.initdb.log"
    echo "include_if_exists = 'liandong.conf'" >>"$dir/postgresql.conf"
  fi
  write_config "$dir" "$port"

  if is_running "$dir" && "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    log "already running in $dir"
  elif is_running "$dir"; then
    # Running, but not on this port (started with another one): the port
    # only changes with a restart.
    log "running in $dir on another port; restarting on $port"
    as_owner "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null \
      || { tail -n 30 "$dir/server.log" >&2 || true; die "PostgreSQL did not restart"; }
  else
    # -w waits for startup; a stale postmaster.pid from a crash is handled
    # by pg_ctl itself (it checks whether that pid is alive).
    as_owner "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { tail -n 30 "$dir/server.log" >&2 || true; die "PostgreSQL did not start (log: $dir/server.log)"; }
  fi

  # pg_ctl -w can return before TCP accepts (e.g. it reads the socket);
  # poll the port we will hand out, bounded so a broken cluster fails fast.
  local i
  for i in $(seq 1 100); do
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    [ "$i" -lt 100 ] || die "PostgreSQL not ready on 127.0.0.1:$port (is the port in use by another cluster?)"
    sleep 0.2
  done

  # Idempotent role and database creation (safe on every start).
  if [ "$(psql_super "$dir" "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$APPROLE'")" != "1" ]; then
    psql_super "$dir" "$port" -c "CREATE ROLE $APPROLE LOGIN"
  fi
  if [ "$(psql_super "$dir" "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$APPROLE'")" != "1" ]; then
    psql_super "$dir" "$port" -c "CREATE DATABASE $APPROLE OWNER $APPROLE ENCODING 'UTF8' TEMPLATE template0"
  fi
  conninfo "$port"
}

cmd_stop() {
  local dir
  dir=$(real_datadir "$1")
  if ! is_running "$dir"; then
    log "not running ($dir)"
    return 0
  fi
  # fast: roll back open transactions, checkpoint, exit. Committed work is
  # safe (fsync on), and the ledger's clients retry.
  as_owner "$PGBIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
}

[ $# -ge 1 ] || usage
case "$1" in
  start)    [ $# -eq 3 ] || usage; cmd_start "$2" "$3" ;;
  stop)     [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
  conninfo) [ $# -eq 3 ] || usage; conninfo "$3" ;;
  datadir)  [ $# -eq 2 ] || usage; real_datadir "$2" ;;
  *) usage ;;
esac
