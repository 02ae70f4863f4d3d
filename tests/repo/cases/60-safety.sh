# ---- safety -------------------------------------------------------------------------
new_repo symlink
mkdir -p "$WORK/elsewhere" infra
ln -s "$WORK/elsewhere" infra/terraform
expect_rc 2 "writing through a symlink that leaves the target is refused" build
expect "nothing landed outside" test -z "$(ls -A "$WORK/elsewhere")"

new_repo symlinkfile
build >/dev/null 2>&1
echo "outside" >"$WORK/outside.txt"
ln -sf "$WORK/outside.txt" infra/terraform/modules/shop/main.tf
change_program
expect_rc 2 "replacing a generated file that is now a symlink is refused" build
expect "the file it points to is untouched" grep -qx outside "$WORK/outside.txt"

# Pruning must not follow a symlink either: files outside are never removed.
new_repo symlinkprune
build >/dev/null 2>&1
mv infra/kubernetes "$WORK/kube-outside" && ln -s "$WORK/kube-outside" infra/kubernetes
sed -i '/space shop/d' platform/main.infra
expect_rc 2 "removing through a symlink is refused" build
expect "the files outside are still there" test -e "$WORK/kube-outside/base/shop/namespace.yaml"


# A symlink on the way is found while planning, before the journal: the tree
# is left as it was, with no journal to trip over later.
new_repo symlinkplan
build >/dev/null 2>&1
before=$(digest .)
mkdir -p "$WORK/plan-outside" && mv infra/kubernetes "$WORK/plan-outside/" && ln -s "$WORK/plan-outside/kubernetes" infra/kubernetes
change_program
before=$(digest infra/terraform)
expect_rc 2 "a symlinked directory among the outputs is refused" build
expect "before anything was written" test "$before" = "$(digest infra/terraform)"
expect "and no journal is left" test ! -e .infrac/local/journal
rm infra/kubernetes && mv "$WORK/plan-outside/kubernetes" infra/kubernetes
expect "once it is gone, the build goes through" build

# ---- no directory left behind ----------------------------------------------------------
# A write that fails while staging (a full disk, simulated) leaves the tree as
# it was: no staged files, no directory made for them, nothing at all in a
# target that did not exist.
new_repo failwrite
expect_rc 2 "a first build whose write fails" env INFRAC_TEST_FAIL_STAGING=3 "$INFRAC" build --stdlib stdlib -o "$WORK/failtarget/sub" platform
expect "says why" grep -q 'No space left on device (INFRAC_TEST_FAIL_STAGING)' "$WORK/out"
expect "leaves no target directory behind" test ! -e "$WORK/failtarget"
build >/dev/null 2>&1
sed -i 's/space shop {}/space shop {}\nspace other {}/' platform/main.infra
before=$(digest .)
expect_rc 2 "a later build whose write fails" env INFRAC_TEST_FAIL_STAGING=2 "$INFRAC" build --stdlib stdlib platform
expect "leaves the tree as it was" test "$before" = "$(digest .)"
expect "with no new directory" test ! -e infra/kubernetes/base/other
expect "and nothing staged" test ! -e .infrac/local/staging -a ! -e .infrac/local/journal
expect "the next build goes through" build

# ---- durable ------------------------------------------------------------------------------
# The files staged, the journal and the directories whose entries change are
# flushed to disk before the step that relies on them.
if command -v strace >/dev/null; then
    new_repo durable
    build >/dev/null 2>&1
    change_program
    strace -f -o "$WORK/strace" -e trace=fsync,fdatasync,syncfs,rename "$INFRAC" build --stdlib stdlib platform >/dev/null 2>&1
    journal_line=$(grep -n 'rename(.*"[^"]*/.infrac/local/journal")' "$WORK/strace" | head -n 1 | cut -d: -f1)
    first_output=$(grep -n 'rename(.*infra/terraform/modules/shop/main.tf")' "$WORK/strace" | head -n 1 | cut -d: -f1)
    expect "the journal is committed by a rename" test -n "$journal_line"
    expect "staged files are flushed before it" test "$(head -n "${journal_line:-1}" "$WORK/strace" | grep -c 'fdatasync\|syncfs')" -ge 2
    # a fresh build of many files flushes the file system once instead
    rm -rf "$WORK/durable-fresh"
    strace -f -o "$WORK/strace2" -e trace=fdatasync,syncfs,rename "$INFRAC" build --stdlib stdlib -o "$WORK/durable-fresh" platform >/dev/null 2>&1
    expect "a write of many files flushes them before its journal" \
        sh -c "head -n \"\$(grep -n 'journal\")' '$WORK/strace2' | head -n 1 | cut -d: -f1)\" '$WORK/strace2' | grep -q syncfs"
    expect "the journal and its directory are flushed before the first rename of an output" \
        test "$(sed -n "${journal_line:-1},${first_output:-1}p" "$WORK/strace" | grep -c 'fsync\|syncfs')" -ge 1
    expect "the directories changed are flushed after the renames" test "$(tail -n +"${first_output:-1}" "$WORK/strace" | grep -c 'fsync\|syncfs')" -ge 1
else
    skip "durability: strace is not installed"
fi
