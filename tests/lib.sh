# shellcheck shell=bash
# tests/lib.sh - shell helpers for tests/run.sh (sourced, not executed).
# Each test item is one command run with a time limit; its output goes to a
# log file, and it is reported as exactly one PASS or FAIL line, with the
# tail of its output after a FAIL so CI logs show why. A pytest run is not
# one item: every test it ran is counted (passed, failed or skipped) from
# its JUnit XML report (t_bg_pytest).

T_PASS=0
T_FAIL=0
T_SKIP=0
T_FAILED=()
T_LOGDIR_OWNED=0
if [ -z "${T_LOGDIR:-}" ]; then
  T_LOGDIR=$(mktemp -d /tmp/liandong-tests.XXXXXX)
  T_LOGDIR_OWNED=1
fi
T_TAIL=${T_TAIL:-60}

# t_run NAME SECONDS CMD...: run one item and count it.
t_run() {
  local name=$1 limit=$2; shift 2
  local log rc start
  log="$T_LOGDIR/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log"
  start=$SECONDS
  # timeout -k: an item that ignores SIGTERM still cannot stall the run;
  # stdin from /dev/null: CI has none, and nothing may wait for a tty.
  set +e
  timeout -k 10 "$limit" "$@" </dev/null >"$log" 2>&1
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    T_PASS=$((T_PASS + 1))
    printf 'PASS  %s (%ss)\n' "$name" "$((SECONDS - start))"
  else
    T_FAIL=$((T_FAIL + 1))
    T_FAILED+=("$name")
    local why="exit $rc"
    [ "$rc" -eq 124 ] && why="timed out after ${limit}s"
    printf 'FAIL  %s (%s, %ss)\n' "$name" "$why" "$((SECONDS - start))"
    printf -- '----- last %s lines of %s -----\n' "$T_TAIL" "$log"
    tail -n "$T_TAIL" "$log" | sed 's/^/    /'
    printf -- '-----\n'
  fi
}

# t_fail NAME REASON: count a failure that has no command (e.g. missing build).
t_fail() {
  T_FAIL=$((T_FAIL + 1))
  T_FAILED+=("$1")
  printf 'FAIL  %s (%s)\n' "$1" "$2"
}

# t_executables DIR PATTERN: regular executable files, sorted, one a line.
t_executables() {
  local f
  for f in "$1"/$2; do
    [ -f "$f" ] && [ -x "$f" ] && printf '%s\n' "$f"
  done
  return 0
}

# t_skip NAME REASON: count something that deliberately did not run.
t_skip() {
  T_SKIP=$((T_SKIP + 1))
  printf 'SKIP  %s (%s)\n' "$1" "$2"
}

# t_summary: the closing line CI reads (`N passed, M failed, K skipped`),
# and the exit status.
t_summary() {
  if [ "${#T_FAILED[@]}" -gt 0 ]; then
    printf '\nfailed: %s\n' "${T_FAILED[*]}"
  fi
  printf '%s passed, %s failed, %s skipped\n' "$T_PASS" "$T_FAIL" "$T_SKIP"
  [ "$T_FAIL" -eq 0 ]
}

# t_junit_counts XML: "PASSED FAILED SKIPPED" of a pytest JUnit XML report,
# then the id of every failed test, one a line. A test with a failure or an
# error (also in set-up or teardown) is failed; collection errors are
# reported by pytest as failed test cases too. Prints nothing when the file
# is missing or unreadable.
t_junit_counts() {
  /usr/bin/python3 - "$1" <<'PY' 2>/dev/null
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    sys.exit(0)
passed, failed, skipped, names = 0, 0, 0, []
for tc in root.iter("testcase"):
    kinds = {child.tag for child in tc}
    if kinds & {"failure", "error"}:
        failed += 1
        names.append(f"{tc.get('classname', '')}::{tc.get('name', '')}")
    elif "skipped" in kinds:
        skipped += 1
    else:
        passed += 1
print(passed, failed, skipped)
for n in names:
    print(n)
PY
}

# t_bg_pytest NAME SECONDS CMD...: a pytest run in the background (like
# t_bg); CMD gets --junitxml, and t_wait counts each of its tests. A run
# that crashed, timed out, collected nothing or exited non-zero without a
# failed test counts as (at least) one failure: it never passes silently.
t_bg_pytest() {
  local name=$1 limit=$2; shift 2
  local xml
  xml="$T_LOGDIR/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').xml"
  rm -f "$xml"
  t_bg "$name" "$limit" "$@" --junitxml="$xml"
  T_BG_XML[${#T_BG[@]} - 1]=$xml
}

# _t_count_pytest NAME OUT XML: counts a finished pytest run's tests.
_t_count_pytest() {
  local name=$1 out=$2 xml=$3 counts p f s line
  counts=$(t_junit_counts "$xml")
  line=$(printf '%s\n' "$counts" | head -n 1)
  read -r p f s <<<"${line:-0 0 0}"
  p=${p:-0} f=${f:-0} s=${s:-0}
  if [ $((p + f + s)) -eq 0 ]; then
    printf '      %s: no test report or no test collected: counted as 1 failure\n' "$name"
    f=1
  elif [ "$f" -eq 0 ] && ! head -n 1 "$out" | grep -q '^PASS'; then
    printf '      %s: pytest failed outside any test: counted as 1 failure\n' "$name"
    f=1
  fi
  printf '      %s: %s passed, %s failed, %s skipped\n' "$name" "$p" "$f" "$s"
  printf '%s\n' "$counts" | tail -n +2 | sed 's/^/      failed: /'
  T_PASS=$((T_PASS + p))
  T_FAIL=$((T_FAIL + f))
  T_SKIP=$((T_SKIP + s))
  [ "$f" -gt 0 ] && T_FAILED+=("$name")
  return 0
}

# t_bg NAME SECONDS CMD...: like t_run, but in the background; its report
# is printed and counted by the next t_wait, in start order. Used to overlap
# items that mostly wait (system tests) or use one core (lint, valgrind) on
# a 2-core machine, so the whole suite stays inside CI's 15 minutes.
T_BG=()
T_BG_XML=() # the JUnit XML of a t_bg_pytest entry, by its index in T_BG
t_bg() {
  local out="$T_LOGDIR/.bg.${#T_BG[@]}.out"
  ( t_run "$@" >"$out" 2>&1 ) &
  T_BG+=("$!:$1:$out")
}

# t_wait: wait for every t_bg item and count it.
t_wait() {
  local entry pid name out i
  for i in "${!T_BG[@]}"; do
    entry=${T_BG[$i]}
    pid=${entry%%:*}; out=${entry##*:}; name=${entry#*:}; name=${name%:*}
    wait "$pid" || true
    cat "$out"
    if [ -n "${T_BG_XML[$i]:-}" ]; then
      _t_count_pytest "$name" "$out" "${T_BG_XML[$i]}"
    elif head -n 1 "$out" | grep -q '^PASS'; then
      T_PASS=$((T_PASS + 1))
    else
      T_FAIL=$((T_FAIL + 1))
      T_FAILED+=("$name")
    fi
  done
  T_BG=()
  T_BG_XML=()
}
