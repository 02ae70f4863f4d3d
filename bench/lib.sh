# bench/lib.sh — sourced by the bench scripts, from the repository root:
# builds infrac and the timer (bench/timeit.c) once through make, makes a
# scratch directory removed on exit, quiets terraform, and reads a number
# field out of the timer's JSON (`echo "$json" | field median_ms`).
make -s infrac build/bench-timeit
TIMEIT=$PWD/build/bench-timeit
WORK=$(mktemp -d "${TMPDIR:-/tmp}/infrac-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TF_CLI_CONFIG_FILE=/dev/null
field() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p"; }
