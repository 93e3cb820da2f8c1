#!/usr/bin/env bash
# lint.sh - style and static analysis over every C file git tracks:
# clang-format (no diff allowed), cppcheck and clang-tidy (no finding
# allowed). Generated protobuf code is excluded: it is not ours to style.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LIANDONG_BUILD:-build}
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^tests/fuzz/corpus/')
mapfile -t csrc < <(printf '%s\n' "${files[@]}" | grep '\.c$' | grep -v '^tests/')
fail=0
echo "lint: clang-format on ${#files[@]} files"
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/lint-format.$$; then
    head -40 /tmp/lint-format.$$
    fail=1
fi
rm -f /tmp/lint-format.$$
incs=(-Ilib -I"$build/gen" $(pkg-config --cflags-only-I libzmq libprotobuf-c libuv opencc jansson libpq))
echo "lint: cppcheck"
# cppcheck does not read system headers: give it protobuf-c's version so the
# generated header's version check passes.
if ! cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
        --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE \
        -DPROTOBUF_C_VERSION_NUMBER=1004001 -DPROTOBUF_C_MIN_COMPILER_VERSION=1000000 \
        -Ilib -I"$build/gen" "${csrc[@]}" 2>&1; then
    fail=1
fi
echo "lint: clang-tidy on ${#csrc[@]} files"
tidy_out=$(mktemp)
for f in "${csrc[@]}"; do
    if ! clang-tidy --quiet "$f" -- -std=c11 -D_GNU_SOURCE "${incs[@]}" >"$tidy_out" 2>&1; then
        grep -E 'error|warning' "$tidy_out" | head -20
        fail=1
    fi
done
rm -f "$tidy_out"
exit $fail
