#!/usr/bin/env bash
# bench/check.sh [EXAMPLE] — `infrac check` on an example in an unchanged git
# repository, committed: the pre-commit and CI case. Times, as medians of
# repeated runs: check without PATH, with PATH, --staged, and (for what the
# fast path saves) check --diff, which always compiles and compares; beside
# them an empty program's run (process start on this machine), measured in
# the same run. The first check after a build records the tree (files just
# written are "racy" and are compared once more); the timed runs come after
# that. Results also go to bench/results-check.json. Nothing is asserted.
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
git init -q . && "$infrac" build "$example" -o . >/dev/null 2>&1
git add -A && git -c user.name=bench -c user.email=bench@invalid commit -qm bench
"$infrac" check >/dev/null 2>&1 || true
"$infrac" check "$example" >/dev/null 2>&1 || true
"$infrac" check --staged >/dev/null 2>&1 || true
results=()
row() {  # NAME JSON
    printf '%-38s median %6.2f ms, min %6.2f ms\n' "$1" "$(echo "$2" | field median_ms)" "$(echo "$2" | field min_ms)"
}
bare=$("$TIMEIT" "$RUNS" "$infrac" check)
row "infrac check (unchanged)" "$bare"
with_path=$("$TIMEIT" "$RUNS" "$infrac" check "$example")
row "infrac check $example" "$with_path"
staged=$("$TIMEIT" "$RUNS" "$infrac" check --staged)
row "infrac check --staged" "$staged"
compiled=$("$TIMEIT" "$RUNS" "$infrac" check --diff)
row "infrac check --diff (always compiles)" "$compiled"
empty=$("$TIMEIT" "$RUNS" "$WORK/empty")
row "empty program (process start)" "$empty"
cd - >/dev/null
echo "{\"check\": $bare, \"check_path\": $with_path, \"check_staged\": $staged, \"check_compiled\": $compiled, \"empty\": $empty}" \
    >bench/results-check.json
echo "wrote bench/results-check.json"
