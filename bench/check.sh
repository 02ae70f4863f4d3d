#!/usr/bin/env bash
# bench/check.sh [EXAMPLE] — `infrac check` on an example in an unchanged git
# repository: the pre-commit and CI case. Prints the median of repeated runs
# beside the median of an empty program's run (process start on this
# machine), measured in the same run. Nothing is asserted.
set -eu
cd "$(dirname "$0")/.."
example=${1:-examples/mindwell}
RUNS=${RUNS:-50}
. bench/lib.sh
printf 'int main(void) { return 0; }\n' >"$WORK/empty.c" && cc -O2 -o "$WORK/empty" "$WORK/empty.c"
infrac=$PWD/infrac
mkdir -p "$WORK/repo/$(dirname "$example")"
cp -r "$example" "$WORK/repo/$example"
cd "$WORK/repo"
"$infrac" build "$example" -o . >/dev/null
check=$("$TIMEIT" "$RUNS" "$infrac" check)
empty=$("$TIMEIT" "$RUNS" "$WORK/empty")
printf 'infrac check (%s, unchanged): median %.2f ms, min %.2f ms\n' "$example" \
    "$(echo "$check" | field median_ms)" "$(echo "$check" | field min_ms)"
printf 'empty program (process start):  median %.2f ms, min %.2f ms\n' \
    "$(echo "$empty" | field median_ms)" "$(echo "$empty" | field min_ms)"
