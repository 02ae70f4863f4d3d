# ---- all or nothing ---------------------------------------------------------------------
# The interrupted write: for every N, a build killed after N operations leaves a
# journal; check reports it; the next run finishes it and the tree is all new.
# Each killed tree is built for real first (a copy would carry files whose
# identities no longer match this machine's record, and infrac would rightly
# take them for hand edits). The target is a subdirectory and the program has
# a workflow, renamed by the change: the journal also writes and removes files
# at the root of the work tree.
new_repo kill
echo 'pipeline plan {}' >>platform/main.infra
rm -rf "$WORK/kill-src" && cp -r . "$WORK/kill-src"
kill_change() { sed -i 's/bucket assets {}/bucket assets { versioning = false }\nbucket extra {}/; /space shop/d; s/pipeline plan/pipeline verify/' platform/main.infra; }
build() { "$INFRAC" build --stdlib stdlib -o deploy "$@" platform; }
check() { "$INFRAC" check -o deploy "$@"; }
fresh_old() {  # DIR: the old program built in DIR, then changed (not rebuilt)
    rm -rf "$1" && cp -r "$WORK/kill-src" "$1" && cd "$1" && build >/dev/null 2>&1 && kill_change
}
fresh_old "$WORK/template"
old=$(digest .)
build >/dev/null 2>&1
new=$(digest .)
expect "the new tree differs from the old one" test "$old" != "$new"
fresh_old "$WORK/killed"
{ INFRAC_TEST_ABORT_AFTER=0 build; } >/dev/null 2>&1
ops=$(jq '.ops | length' deploy/.infrac/local/journal 2>/dev/null || echo 0)
expect "the journal lists the write's operations" test "$ops" -ge 5
expect "among them the new workflow at the root, and the old one's removal" \
    jq -e '[.ops[].path] | index("/.github/workflows/verify.yml") and index("/.github/workflows/plan.yml")' deploy/.infrac/local/journal
for n in $(seq 1 $((ops + 1))); do   # the last run is not killed: it finishes
    fresh_old "$WORK/killed"
    { INFRAC_TEST_ABORT_AFTER=$n build; } >/dev/null 2>&1
    if [ -e deploy/.infrac/local/journal ]; then
        ok
        expect_rc 1 "check reports the unfinished write (killed after $n)" check
        expect "check says to finish it" grep -q 'an interrupted write is pending (run infrac build to finish it)' "$WORK/out"
        expect "the next run finishes it (killed after $n)" build
    else
        expect "a run that finished before operation $n wrote everything" test "$new" = "$(digest .)"
    fi
    expect "the tree is all new (killed after $n)" test "$new" = "$(digest .)"
    expect "no journal is left (killed after $n)" test ! -e deploy/.infrac/local/journal
    expect_rc 0 "and check is clean (killed after $n)" check
done
# Killed while staging (before the journal): the tree is all old, at once.
for n in 0 1 4; do
    fresh_old "$WORK/killed"
    { INFRAC_TEST_ABORT_STAGING=$n build; } >/dev/null 2>&1
    expect "a build killed while staging leaves the tree all old (file $n)" test "$old" = "$(digest .)"
    expect "and leaves no journal (file $n)" test ! -e deploy/.infrac/local/journal
    expect "the next run completes (file $n)" build
    expect "and the tree is all new (file $n)" test "$new" = "$(digest .)"
    expect "and clears the staging directory (file $n)" test ! -e deploy/.infrac/local/staging
done
build() { "$INFRAC" build --stdlib stdlib "$@" platform; }
unset -f check
