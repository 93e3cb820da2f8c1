#!/usr/bin/env bash
# build.sh - `make deb`: the liandong .deb from this tree's build, with
# Debian's own tools (dpkg-shlibdeps for the library dependencies, dpkg-deb
# to assemble). Usage: deploy/deb/build.sh [BUILD_DIR] [OUT_DIR]
# The binaries must be built already (`make all`); the package holds every
# service in build/bin, the petition CLI, the schema and routing data, the
# systemd units and a default configuration (a conffile).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-build}
OUT=${2:-$BUILD/deb}
cd "$ROOT"
log() { printf 'deb: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for t in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
  command -v "$t" >/dev/null || die "$t is missing (package dpkg-dev)"
done
[ -x "$BUILD/bin/petition" ] || die "$BUILD/bin is not built: run \`make all\` first"

ARCH=$(dpkg --print-architecture)
# Version: 0.1 plus the commit date and hash, so that each commit's package
# sorts after its parent's (dpkg compares the date part numerically).
if git rev-parse --git-dir >/dev/null 2>&1; then
  VERSION="0.1~git$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S).$(git rev-parse --short=8 HEAD)"
else
  VERSION="0.1~local$(date -u +%Y%m%d%H%M%S)"
fi

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/liandong-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
PKG=$STAGE/liandong
install -d "$PKG/DEBIAN" "$PKG/usr/lib/liandong/bin" "$PKG/usr/bin" "$PKG/usr/share/liandong" \
  "$PKG/usr/share/doc/liandong" "$PKG/lib/systemd/system" "$PKG/etc/liandong"

# Binaries: every service; the CLI on PATH. Debug info stripped (the
# package is for running; build/ keeps the unstripped ones).
services=()
for b in "$BUILD"/bin/*; do
  name=$(basename "$b")
  [ -x "$b" ] || continue
  if [ "$name" = petition ]; then
    install -m 0755 "$b" "$PKG/usr/bin/petition"
  else
    install -m 0755 "$b" "$PKG/usr/lib/liandong/bin/$name"
    services+=("$name")
  fi
done
strip --strip-debug "$PKG"/usr/lib/liandong/bin/* "$PKG/usr/bin/petition"
install -m 0755 deploy/deb/setup-db "$PKG/usr/lib/liandong/setup-db"

# Data the services read: migrations, lexicons, calendar, policies and the
# sample registry (for trying it out; a city imports its own).
for d in schema lexicon calendar policy registry; do
  cp -r "deploy/$d" "$PKG/usr/share/liandong/$d"
done
find "$PKG/usr/share/liandong" -type d -exec chmod 0755 {} +
find "$PKG/usr/share/liandong" -type f -exec chmod 0644 {} +

# systemd units: one per service of this build (a unit whose binary is not
# built stays out, or systemd would refuse it).
for u in deploy/systemd/liandong-*.service; do
  name=$(basename "$u" .service); name=${name#liandong-}
  [ -x "$PKG/usr/lib/liandong/bin/$name" ] && install -m 0644 "$u" "$PKG/lib/systemd/system/"
done
install -m 0644 deploy/systemd/liandong.target "$PKG/lib/systemd/system/"
install -m 0640 deploy/deb/liandong.conf "$PKG/etc/liandong/liandong.conf"
install -m 0644 README.md "$PKG/usr/share/doc/liandong/README.md"
printf 'Liandong petition routing. See /usr/share/doc/liandong/README.md.\n' \
  >"$PKG/usr/share/doc/liandong/copyright"
for s in postinst prerm postrm; do install -m 0755 "deploy/deb/$s" "$PKG/DEBIAN/$s"; done
printf '/etc/liandong/liandong.conf\n' >"$PKG/DEBIAN/conffiles"

# Library dependencies as Debian computes them from the ELF files.
mkdir -p "$STAGE/debian"
printf 'Source: liandong\n\nPackage: liandong\nArchitecture: any\n' >"$STAGE/debian/control"
SHLIBS=$(cd "$STAGE" && dpkg-shlibdeps -O -e"liandong/usr/bin/petition" \
  $(for s in "${services[@]}"; do printf -- '-eliandong/usr/lib/liandong/bin/%s ' "$s"; done) 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$SHLIBS" ] || die "dpkg-shlibdeps found no dependencies"
SIZE=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)

cat >"$PKG/DEBIAN/control" <<CONTROL
Package: liandong
Version: $VERSION
Architecture: $ARCH
Maintainer: Liandong developers <liandong@localhost>
Installed-Size: $SIZE
Depends: $SHLIBS, adduser
Recommends: postgresql (>= 15)
Section: net
Priority: optional
Homepage: https://localhost/liandong
Description: petition routing for urban grassroots governance
 Liandong takes residents' demands from the 12345 hotline, WeChat and grid
 workers, places each with the body able to solve it at the lowest tier,
 tracks replies and deadlines and escalates when nobody answers.
 .
 Services: ledger (PostgreSQL), router, notifier; the petition CLI.
CONTROL

mkdir -p "$OUT"
DEB="$OUT/liandong_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null
log "built $DEB ($(du -h "$DEB" | cut -f1); services: ${services[*]})"
echo "$DEB"
