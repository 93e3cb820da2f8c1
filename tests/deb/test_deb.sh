#!/usr/bin/env bash
# test_deb.sh - `make deb-test`: the .deb on a fresh Debian 12, as an
# administrator would use it. A bookworm chroot made with debootstrap
# (cached in var/deb-chroot; LIANDONG_DEB_FRESH=1 makes a new one) gets the
# package through apt (so its Depends are resolved from the archive, as on
# a real machine), then:
#   1. the system user, directories, key modes and conffile are checked;
#   2. systemd cannot run in a chroot, so each unit is started the way
#      systemd would: its own User=, EnvironmentFile=, WorkingDirectory= and
#      ExecStart= lines, read from the installed unit file (and the units
#      pass `systemd-analyze verify` inside the chroot);
#   3. the services answer, take a registry and a demand, and the case is
#      in the chroot's PostgreSQL;
#   4. `apt-get remove` leaves the data (keys, database, /var/lib/liandong),
#      and reinstalling finds it again; `purge` keeps keys and cases too.
# Usage: tests/deb/test_deb.sh DEB_FILE
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEB=$(readlink -f "${1:?usage: test_deb.sh DEB_FILE}")
CHROOT=${LIANDONG_DEB_CHROOT:-$ROOT/var/deb-chroot}
MIRROR=${LIANDONG_DEB_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "test_deb: needs root (chroot, mounts)" >&2; exit 2; }
mkdir -p "$ROOT/var" "$(dirname "$CHROOT")"

FAILS=0
log() { printf 'test_deb: %s\n' "$*" >&2; }
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
in_root() { chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# 0. A fresh chroot each run, unpacked from a debootstrap made once and
#    cached (var/deb-bookworm.tar; LIANDONG_DEB_FRESH=1 makes it again);
#    downloaded packages are cached too (var/deb-apt-cache).
BASE=${CHROOT}.tar
APTCACHE=${CHROOT}-apt-cache
if [ "${LIANDONG_DEB_FRESH:-0}" = 1 ]; then rm -f "$BASE"; fi
if [ ! -s "$BASE" ]; then
  command -v debootstrap >/dev/null || { echo "test_deb: debootstrap missing" >&2; exit 2; }
  rm -rf "$CHROOT"
  log "debootstrap bookworm (once, cached in $BASE)"
  debootstrap --variant=minbase bookworm "$CHROOT" "$MIRROR" >"$ROOT/var/deb-debootstrap.log" 2>&1 ||
    { tail -20 "$ROOT/var/deb-debootstrap.log" >&2; exit 1; }
  # The same suites as this machine (security updates included), so that
  # the library versions the package was linked against are available.
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$CHROOT/etc/apt/sources.list.d/"
    : >"$CHROOT/etc/apt/sources.list"
  fi
  tar -C "$CHROOT" -cf "$BASE.part" . && mv "$BASE.part" "$BASE"
fi
rm -rf "$CHROOT"
mkdir -p "$CHROOT" "$APTCACHE/partial"
tar -C "$CHROOT" -xf "$BASE"

MOUNTED=()
cleanup() {
  set +e
  in_root sh -c 'pkill -u liandong; pg_ctlcluster 15 main stop -m fast' >/dev/null 2>&1
  # Whatever the chroot started runs in this machine's process table.
  pkill -f '^/usr/lib/liandong/bin/' 2>/dev/null
  sleep 1
  for m in "${MOUNTED[@]}"; do umount -l "$m"; done
}
trap cleanup EXIT
for m in proc dev dev/pts var/cache/apt/archives; do
  mkdir -p "$CHROOT/$m"
  case $m in
    proc) mount -t proc proc "$CHROOT/proc" ;;
    dev) mount --bind /dev "$CHROOT/dev" ;;
    dev/pts) mount --bind /dev/pts "$CHROOT/dev/pts" ;;
    var/cache/apt/archives) mount --bind "$APTCACHE" "$CHROOT/var/cache/apt/archives" ;;
  esac
  MOUNTED=("$CHROOT/$m" "${MOUNTED[@]}")
done
# No daemon starts by itself during installs: the test starts what it needs.
printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"
chmod +x "$CHROOT/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true

# 1. Install through apt, as an administrator would.
log "installing $(basename "$DEB") with apt"
cp "$DEB" "$CHROOT/tmp/liandong.deb"
in_root apt-get -q update >/dev/null
export DEBIAN_FRONTEND=noninteractive
in_root apt-get -q -y --no-install-recommends install /tmp/liandong.deb postgresql systemd procps \
  >"$ROOT/var/deb-install.log" 2>&1 || { tail -30 "$ROOT/var/deb-install.log" >&2; exit 1; }
ok "apt-get install liandong.deb (Depends resolved from the archive)"

shell=$(in_root getent passwd liandong | cut -d: -f7 || true)
case $shell in */nologin | */false) ok "system user liandong, shell $shell" ;; *) bad "system user liandong (shell '$shell')" ;; esac
mode_owner() { in_root stat -c '%a %U' "$1"; }
[ "$(mode_owner /etc/liandong/keys)" = "700 liandong" ] && ok "keys dir 0700 liandong" ||
  bad "keys dir: $(mode_owner /etc/liandong/keys)"
nkeys=0
for k in "$CHROOT"/etc/liandong/keys/*.key; do
  nkeys=$((nkeys + 1))
  [ "$(mode_owner "/etc/liandong/keys/$(basename "$k")")" = "600 liandong" ] ||
    bad "key $(basename "$k"): $(mode_owner "/etc/liandong/keys/$(basename "$k")")"
done
[ "$nkeys" -ge 5 ] && ok "$nkeys secret keys, each 0600 liandong" || bad "only $nkeys keys made"
[ "$(in_root stat -c '%a %U %G' /etc/liandong/liandong.conf)" = "640 root liandong" ] &&
  ok "liandong.conf 0640 root:liandong" || bad "liandong.conf mode"
in_root dpkg-query -W -f='${Conffiles}\n' liandong | grep -q /etc/liandong/liandong.conf &&
  ok "liandong.conf is a conffile" || bad "liandong.conf not a conffile"
if in_root systemd-analyze verify --man=no /lib/systemd/system/liandong-ledger.service \
  /lib/systemd/system/liandong-router.service /lib/systemd/system/liandong-notifier.service \
  /lib/systemd/system/liandong-gateway.service /lib/systemd/system/liandong.target >"$ROOT/var/deb-verify.log" 2>&1; then
  ok "systemd-analyze verify: every unit"
else
  bad "systemd-analyze verify"; cat "$ROOT/var/deb-verify.log"
fi

# 2. A database on free ports (this machine may run other PostgreSQLs and
#    Liandongs): the conffile is edited as an administrator would.
free_port() { /usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PGPORT=$(free_port)
in_root sed -i "s/^port = .*/port = $PGPORT/" /etc/postgresql/15/main/postgresql.conf
in_root install -d -o postgres -g postgres -m 2775 /run/postgresql
in_root pg_ctlcluster 15 main start
in_root /usr/lib/liandong/setup-db >/dev/null && ok "setup-db made role and database" || bad "setup-db"
in_root /usr/lib/liandong/setup-db >/dev/null && ok "setup-db again (idempotent)" || bad "setup-db twice"
conf=$CHROOT/etc/liandong/liandong.conf
sed -i "s|^LIANDONG_DB=.*|LIANDONG_DB=\"host=/var/run/postgresql port=$PGPORT dbname=liandong user=liandong\"|" "$conf"
for v in LEDGER_LISTEN:LEDGER ROUTER_LISTEN:ROUTER; do
  p=$(free_port)
  sed -i "s|^LIANDONG_${v%%:*}=.*|LIANDONG_${v%%:*}=tcp://127.0.0.1:$p|; s|^LIANDONG_${v##*:}=.*|LIANDONG_${v##*:}=tcp://127.0.0.1:$p|" "$conf"
done
for v in LEDGER_EVENTS NOTIFIER_LISTEN; do
  sed -i "s|^LIANDONG_$v=.*|LIANDONG_$v=tcp://127.0.0.1:$(free_port)|" "$conf"
done
p=$(free_port)
sed -i "s|^LIANDONG_ROUTER_DESK=.*|LIANDONG_ROUTER_DESK=tcp://127.0.0.1:$p|; s|^LIANDONG_DESK=.*|LIANDONG_DESK=tcp://127.0.0.1:$p|" "$conf"
GW_PORT=$(free_port)
sed -i "s|^LIANDONG_GATEWAY_HTTP=.*|LIANDONG_GATEWAY_HTTP=127.0.0.1:$GW_PORT|" "$conf"
p=$(free_port)
sed -i "s|^LIANDONG_ROUTER_ALERTS=.*|LIANDONG_ROUTER_ALERTS=tcp://127.0.0.1:$p|; s|^LIANDONG_NOTIFIER_ALERTS=.*|LIANDONG_NOTIFIER_ALERTS=tcp://127.0.0.1:$p|" "$conf"
sed -i "s|^LIANDONG_LEDGER_METRICS=.*|LIANDONG_LEDGER_METRICS=127.0.0.1:$(free_port)|" "$conf"

# Starts a unit the way systemd would, from the unit file's own lines.
unit_value() { sed -n "s/^$2=//p" "$CHROOT/lib/systemd/system/liandong-$1.service" | head -1; }
start_unit() {
  local name=$1 user envf wd exec
  user=$(unit_value "$name" User); envf=$(unit_value "$name" EnvironmentFile)
  wd=$(unit_value "$name" WorkingDirectory); exec=$(unit_value "$name" ExecStart)
  in_root setpriv --reuid "$user" --regid "$user" --init-groups sh -c \
    "set -a; . '$envf'; set +a; cd '$wd' && umask 077 && exec $exec" \
    >>"$ROOT/var/deb-$name.log" 2>&1 &
}
: >"$ROOT/var/deb-ledger.log"; : >"$ROOT/var/deb-router.log"; : >"$ROOT/var/deb-notifier.log"
petition() { in_root sh -c "set -a; . /etc/liandong/liandong.conf; set +a; petition $*"; }
retry() { local i; for i in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }

start_stack() {
  start_unit ledger
  retry petition --identity admin.root registry import /usr/share/liandong/registry/sample.json
  start_unit router
  start_unit notifier
  retry petition ping
}
if start_stack; then ok "ledger, router, notifier started from their units as user liandong"; else
  bad "services did not answer"; tail -20 "$ROOT"/var/deb-*.log
fi
for s in ledger router notifier; do
  in_root pgrep -u liandong -f "/usr/lib/liandong/bin/$s" >/dev/null && ok "$s runs as liandong" ||
    bad "$s not running as liandong"
done
# A front-end's key, issued by the administrator; the services pick it up
# without a restart.
in_root sh -c 'LIANDONG_KEYS=/etc/liandong/keys petition keys new --role frontend --id hotline >/dev/null &&
  chown liandong:liandong /etc/liandong/keys/frontend.hotline.* && chmod 0600 /etc/liandong/keys/frontend.hotline.key'
out=$(retry petition --identity frontend.hotline submit --channel hotline --id DEB-1 \
  --address 鸿翔花园3栋 --text "'3栋楼道的灯坏了快一个月了'" && echo submitted)
[ "$out" = submitted ] && ok "a demand submitted through the installed router" || bad "submit failed"
count_cases() { in_root runuser -u postgres -- psql -p "$PGPORT" -d liandong -tAc \
  "SELECT count(*) FROM cases WHERE channel_id = 'DEB-1'"; }
[ "$(count_cases)" = 1 ] && ok "the case is in the chroot's PostgreSQL" || bad "case not stored"

# The gateway from its unit: an Open311 api_key for channel hotline (kept
# as a hash, as an administrator would add it), then a report POSTed from
# outside the chroot, as a city's hotline system would.
APIKEY=debtest$RANDOM$RANDOM
in_root sh -c "echo $APIKEY | /usr/lib/liandong/bin/gateway --hash-api-key --channel hotline \
  >/etc/liandong/gateway/api_keys && chgrp liandong /etc/liandong/gateway/api_keys &&
  chmod 0640 /etc/liandong/gateway/api_keys"
: >"$ROOT/var/deb-gateway.log"
start_unit gateway
post_open311() {
  /usr/bin/python3 - "$GW_PORT" "$APIKEY" <<'PY'
import sys, urllib.parse, urllib.request
port, key = sys.argv[1], sys.argv[2]
data = urllib.parse.urlencode({"api_key": key, "service_code": "facility_repair",
                               "address_string": "鸿翔花园5栋",
                               "description": "DEB-OPEN311 5栋楼道的灯坏了一个星期了"}).encode()
with urllib.request.urlopen(f"http://127.0.0.1:{port}/open311/v2/requests.json", data,
                            timeout=10) as r:
    body = r.read().decode()
    assert r.status in (200, 201) and "service_request_id" in body, body
PY
}
if retry post_open311; then ok "an Open311 report through the installed gateway"; else
  bad "gateway: Open311 POST failed"; tail -20 "$ROOT/var/deb-gateway.log"
fi
n=$(in_root runuser -u postgres -- psql -p "$PGPORT" -d liandong -tAc \
  "SELECT count(*) FROM cases WHERE text LIKE 'DEB-OPEN311%'")
[ "$n" = 1 ] && ok "the Open311 report is one case" || bad "Open311 cases: $n"

# 3. Remove: the data stays.
in_root pkill -TERM -u liandong || true
sleep 1
in_root apt-get -q -y remove liandong >>"$ROOT/var/deb-install.log" 2>&1 && ok "apt-get remove" || bad "remove"
[ -f "$CHROOT/etc/liandong/keys/service.ledger.key" ] && ok "remove kept the keys" || bad "keys gone"
[ -d "$CHROOT/var/lib/liandong" ] && ok "remove kept /var/lib/liandong" || bad "state dir gone"
[ "$(count_cases)" = 1 ] && ok "remove kept the cases" || bad "cases gone"
[ ! -e "$CHROOT/usr/lib/liandong/bin/ledger" ] && ok "remove took the binaries" || bad "binaries left"
in_root apt-get -q -y install /tmp/liandong.deb >>"$ROOT/var/deb-install.log" 2>&1 && ok "reinstall" || bad "reinstall"
grep -q "port=$PGPORT" "$conf" && ok "reinstall kept the edited configuration" || bad "conf reset"
if start_stack && [ "$(count_cases)" = 1 ]; then
  ok "services start again on the kept data"
else
  bad "restart after reinstall"
fi
in_root pkill -TERM -u liandong || true
sleep 1
in_root apt-get -q -y purge liandong >>"$ROOT/var/deb-install.log" 2>&1 && ok "apt-get purge" || bad "purge"
[ ! -e "$CHROOT/etc/liandong/liandong.conf" ] && ok "purge removed the configuration" || bad "conf left"
[ -f "$CHROOT/etc/liandong/keys/service.ledger.key" ] && ok "purge kept the keys" || bad "purge lost keys"
[ "$(count_cases)" = 1 ] && ok "purge kept the cases" || bad "purge lost cases"

if [ "$FAILS" -ne 0 ]; then log "$FAILS check(s) failed"; exit 1; fi
log "all checks passed"
