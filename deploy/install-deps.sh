#!/usr/bin/env bash
# install-deps.sh - make this Debian 12 machine able to build, run and test
# Liandong. Idempotent: packages already installed are left alone, and apt is
# touched only when something is missing, so `make test` stays fast on a
# prepared machine and still works on a fresh one (CI starts from nothing).
set -euo pipefail

# Everything the build, the services and the tests need. Keep one per line so
# diffs stay readable.
REQUIRED=(
  build-essential pkg-config
  libzmq3-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
  libuv1-dev libopencc-dev opencc libcmocka-dev libjansson-dev libpq-dev
  libmicrohttpd-dev
  libssl-dev libexpat1-dev
  libsodium-dev
  chromium chromium-driver python3-selenium fonts-noto-cjk
  postgresql postgresql-contrib
  python3-zmq python3-protobuf python3-psycopg2 python3-pytest
  clang libclang-rt-14-dev valgrind clang-format clang-tidy cppcheck
  nodejs
)
# tests/node (the WeChat client of tests/system/test_wechat.py, npm package
# wechat-crypto) needs npm too: NodeSource's nodejs carries it, Debian's
# nodejs needs the npm package besides.
command -v npm >/dev/null 2>&1 || REQUIRED+=(npm)
# Wanted but not essential: tests/system/test_metrics.py runs `promtool check
# metrics` and a real Prometheus scrape with it, and says it skipped without it.
OPTIONAL=(prometheus)

log() { printf 'install-deps: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Never let apt or debconf ask a question: CI has no standard input.
export DEBIAN_FRONTEND=noninteractive
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is not available"
  SUDO=(sudo -n)   # -n: fail instead of hanging on a password prompt
fi

installed() {
  # dpkg-query's status "install ok installed" is the only state that means
  # the package is usable; half-configured or removed ones count as missing.
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

APT_LOG=$(mktemp /tmp/liandong-apt.XXXXXX)
trap 'rm -f "$APT_LOG"' EXIT

apt_run() {
  # Quiet on success, the full apt output on failure: CI logs stay short but
  # a broken install is still diagnosable.
  if ! "${SUDO[@]}" apt-get -q -y -o Dpkg::Use-Pty=0 "$@" >"$APT_LOG" 2>&1; then
    tail -n 40 "$APT_LOG" >&2
    return 1
  fi
}

missing=()
for p in "${REQUIRED[@]}"; do installed "$p" || missing+=("$p"); done
opt_missing=()
for p in "${OPTIONAL[@]}"; do installed "$p" || opt_missing+=("$p"); done

if [ "${#missing[@]}" -eq 0 ] && [ "${#opt_missing[@]}" -eq 0 ]; then
  log "all packages present"
  exit 0
fi

# The package lists may be stale or empty on a fresh machine: refresh once.
log "refreshing package lists (missing: ${missing[*]} ${opt_missing[*]})"
if ! apt_run update; then
  # Without the lists we can still succeed if only optional packages are
  # missing; required ones are a hard failure.
  [ "${#missing[@]}" -eq 0 ] || die "apt-get update failed; cannot install: ${missing[*]}"
  log "apt-get update failed; skipping optional packages: ${opt_missing[*]}"
  exit 0
fi

# Optional packages are only asked for when the archive actually has them,
# so a mirror without them does not break the whole install.
for p in "${opt_missing[@]}"; do
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then
    missing+=("$p")
  else
    log "optional package $p not in the archive; skipping it"
  fi
done

[ "${#missing[@]}" -gt 0 ] || exit 0
log "installing: ${missing[*]}"
apt_run install --no-install-recommends "${missing[@]}" \
  || die "apt-get install failed for: ${missing[*]}"

# Re-check instead of trusting apt's exit code alone: a package left
# half-configured would otherwise surface later as an obscure build error.
still=()
for p in "${REQUIRED[@]}"; do installed "$p" || still+=("$p"); done
[ "${#still[@]}" -eq 0 ] || die "still missing after install: ${still[*]}"
log "done"
