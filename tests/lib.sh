# tests/lib.sh - shell helpers for tests/run.sh (sourced, not executed).
# Each test item is one command run with a time limit; its output goes to a
# log file, and it is reported as exactly one PASS or FAIL line, with the
# tail of its output after a FAIL so CI logs show why.

T_PASS=0
T_FAIL=0
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

# t_summary: the closing line CI reads, and the exit status.
t_summary() {
  if [ "${#T_FAILED[@]}" -gt 0 ]; then
    printf '\nfailed: %s\n' "${T_FAILED[*]}"
  fi
  printf '%s passed, %s failed\n' "$T_PASS" "$T_FAIL"
  [ "$T_FAIL" -eq 0 ]
}

# t_bg NAME SECONDS CMD...: like t_run, but in the background; its report
# is printed and counted by the next t_wait, in start order. Used to overlap
# items that mostly wait (system tests) or use one core (lint, valgrind) on
# a 2-core machine, so the whole suite stays inside CI's 15 minutes.
T_BG=()
t_bg() {
  local out="$T_LOGDIR/.bg.${#T_BG[@]}.out"
  ( t_run "$@" >"$out" 2>&1 ) &
  T_BG+=("$!:$1:$out")
}

# t_wait: wait for every t_bg item and count it.
t_wait() {
  local entry pid name out
  for entry in "${T_BG[@]}"; do
    pid=${entry%%:*}; out=${entry##*:}; name=${entry#*:}; name=${name%:*}
    wait "$pid" || true
    cat "$out"
    if head -n 1 "$out" | grep -q '^PASS'; then
      T_PASS=$((T_PASS + 1))
    else
      T_FAIL=$((T_FAIL + 1))
      T_FAILED+=("$name")
    fi
  done
  T_BG=()
}
