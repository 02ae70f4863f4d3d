#!/usr/bin/env bash
# bench/check.sh [EXAMPLE] — `infrac check` on an example in an unchanged git
# repository: the pre-commit and CI case. Prints the median of repeated runs
# beside the median of an empty program's run (process start on this
# machine), measured in the same run. Nothing is asserted.
set -eu
cd "$(dirname "$0")/.."
example=${1:-examples/mindwell}
RUNS=${RUNS:-50}
make -s infrac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/infrac-bench-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cc -O2 -o "$WORK/timeit" bench/timeit.c $(pkg-config --cflags --libs jansson)
printf 'int main(void) { return 0; }\n' >"$WORK/empty.c" && cc -O2 -o "$WORK/empty" "$WORK/empty.c"
infrac=$PWD/infrac
mkdir -p "$WORK/repo/$(dirname "$example")"
cp -r "$example" "$WORK/repo/$example"
cd "$WORK/repo"
"$infrac" build "$example" -o . >/dev/null
field() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p"; }
check=$("$WORK/timeit" "$RUNS" "$infrac" check)
empty=$("$WORK/timeit" "$RUNS" "$WORK/empty")
printf 'infrac check (%s, unchanged): median %.2f ms, min %.2f ms\n' "$example" \
    "$(echo "$check" | field median_ms)" "$(echo "$check" | field min_ms)"
printf 'empty program (process start):  median %.2f ms, min %.2f ms\n' \
    "$(echo "$empty" | field median_ms)" "$(echo "$empty" | field min_ms)"
