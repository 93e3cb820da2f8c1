#!/usr/bin/env bash
# pg.sh - a private, embedded PostgreSQL 15 cluster for the ledger.
#
#   pg.sh start    DATADIR PORT   initdb on first use, start, wait until ready,
#                                 create the roles and database `liandong`; the
#                                 last line on stdout is the ledger's conninfo
#   pg.sh stop     DATADIR        fast shutdown (no-op when not running)
#   pg.sh conninfo DATADIR PORT [ledger|report|super]
#                                 print a conninfo: the ledger's (default), the
#                                 read-only reports role's, the superuser's
#   pg.sh datadir  DATADIR        print where the cluster really lives
#
# The cluster is private to one checkout or one test run: it listens only on
# 127.0.0.1 and on a unix socket inside its data directory (0700, the
# cluster owner's). It holds residents' names and phones, so nothing is
# trusted (issue 11):
#   - TCP needs a password (SCRAM-SHA-256); each role has a generated one,
#     kept in a libpq password file beside the data directory,
#     DATADIR.<role>.pgpass, mode 0600 and owned by the user who ran
#     `pg.sh start` (the service user that runs the ledger); the conninfo
#     names it (passfile=...), so the ledger's --db works unchanged;
#   - the socket uses peer authentication: only the cluster's OS owner, as
#     the superuser (pg_ident.conf map `owner`), which is how this script
#     administers the cluster;
#   - roles: `liandong` is the ledger's (owns the database, runs the
#     migrations, reads everything); `liandong_report` is read-only and
#     cannot read cases.resident_name / resident_phone (column privileges,
#     deploy/schema/013_report_role.sql), for reports and tests; `postgres`
#     the superuser.
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
REPORTROLE=liandong_report  # read-only, without residents' names and phones

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() { die "usage: pg.sh start DATADIR PORT | stop DATADIR | conninfo DATADIR PORT [ledger|report|super] | datadir DATADIR"; }

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

# The password file of a role (ledger, report, super) for cluster dir $1.
passfile() {
  printf '%s.%s.pgpass\n' "$1" "$2"
}

conninfo() {
  # TCP rather than the socket: every client (root or not) can reach it,
  # with the role's password from its password file.
  local dir=$1 port=$2 who=${3:-ledger} role db
  case "$who" in
    ledger) role=$APPROLE; db=$APPROLE ;;
    report) role=$REPORTROLE; db=$APPROLE ;;
    super)  role=$SUPERUSER; db=postgres ;;
    *) usage ;;
  esac
  printf 'host=127.0.0.1 port=%s dbname=%s user=%s passfile=%s connect_timeout=5\n' \
    "$port" "$db" "$role" "$(passfile "$dir" "$who")"
}

# Writes (first time) and prints the password of role $3 kept in the
# password file of $2 for cluster dir $1. 0600, created so (umask) before
# anything is written to it: never readable by anybody else, even briefly.
role_password() {
  local dir=$1 who=$2 role=$3 f pw
  f=$(passfile "$dir" "$who")
  if [ -s "$f" ]; then
    pw=$(cut -d: -f5- <"$f" | head -n 1)
  else
    # 32 characters from [A-Za-z0-9]: no quoting in SQL or in the file.
    pw=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
    (umask 077 && printf '127.0.0.1:*:*:%s:%s\n' "$role" "$pw" >"$f")
  fi
  chmod 0600 -- "$f"
  printf '%s\n' "$pw"
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
  # Passwords over TCP, peer on the socket (see header). Anything else,
  # including IPv6 loopback, has no line and is refused.
  cat >"$dir/pg_hba.conf" <<HBA
# Written by deploy/pg.sh: private embedded cluster, loopback only.
local all all              peer map=owner
host  all all 127.0.0.1/32 scram-sha-256
HBA
  # Only the cluster's OS owner comes in over the socket, as the superuser.
  printf '# Written by deploy/pg.sh.\nowner %s %s\n' "$(owner_name)" "$SUPERUSER" >"$dir/pg_ident.conf"
  if [ "$IS_ROOT" -eq 1 ]; then
    chown "$PGUSER_OS:" "$dir/liandong.conf" "$dir/pg_hba.conf" "$dir/pg_ident.conf"
  fi
}

# The OS user that owns the cluster.
owner_name() {
  if [ "$IS_ROOT" -eq 1 ]; then printf '%s\n' "$PGUSER_OS"; else id -un; fi
}

# The superuser over the private socket (peer): no password involved.
psql_super() {
  local dir=$1 port=$2; shift 2
  as_owner "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$SUPERUSER" -d postgres "$@"
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
      --auth-local=peer --auth-host=scram-sha-256 >"$dir.initdb.log" 2>&1 \
      || { cat "$dir.initdb.log" >&2; die "initdb failed"; }
    rm -f -- "$dir.initdb.log"
    echo "include_if_exists = 'liandong.conf'" >>"$dir/postgresql.conf"
  fi
  write_config "$dir" "$port"

  if is_running "$dir" && "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    log "already running in $dir"
    # pg_hba.conf may have changed (a cluster from before passwords).
    as_owner "$PGBIN/pg_ctl" -D "$dir" reload >/dev/null
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
  local r
  for r in "$APPROLE" "$REPORTROLE"; do
    if [ "$(psql_super "$dir" "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$r'")" != "1" ]; then
      psql_super "$dir" "$port" -c "CREATE ROLE $r LOGIN"
    fi
  done
  if [ "$(psql_super "$dir" "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$APPROLE'")" != "1" ]; then
    psql_super "$dir" "$port" -c "CREATE DATABASE $APPROLE OWNER $APPROLE ENCODING 'UTF8' TEMPLATE template0"
  fi
  # The passwords, from their files (made on first use). Sent on stdin,
  # not on a command line that `ps` would show; stored as SCRAM verifiers.
  local pl pr ps
  pl=$(role_password "$dir" ledger "$APPROLE")
  pr=$(role_password "$dir" report "$REPORTROLE")
  ps=$(role_password "$dir" super "$SUPERUSER")
  psql_super "$dir" "$port" <<SQL
SET password_encryption = 'scram-sha-256';
ALTER ROLE $APPROLE PASSWORD '$pl';
ALTER ROLE $REPORTROLE PASSWORD '$pr' NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER ROLE $SUPERUSER PASSWORD '$ps';
SQL
  # The reports role's grants, when the ledger's migrations have made the
  # tables (013_report_role.sql grants them at migration time too).
  psql_super "$dir" "$port" -d "$APPROLE" -c "DO \$\$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'ld_grant_report') THEN
      PERFORM ld_grant_report();
    END IF; END \$\$"
  conninfo "$dir" "$port" ledger
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
  conninfo) [ $# -eq 3 ] || [ $# -eq 4 ] || usage; conninfo "$(real_datadir "$2")" "$3" "${4:-ledger}" ;;
  datadir)  [ $# -eq 2 ] || usage; real_datadir "$2" ;;
  *) usage ;;
esac
