# ---- hostile commits -----------------------------------------------------------------
# Whatever infrac reads from a commit (manifest, journal, record) cannot make
# it write, delete or execute anything. Each attack is committed to a
# repository and a victim clones it, as a colleague would.
victim() {  # NAME: a fresh clone of $R, entered
    rm -rf "$WORK/victim-$1" && git clone -q "$R" "$WORK/victim-$1" && cd "$WORK/victim-$1" || exit 2
}

# The journal attack, in the old place: a crafted .infrac/journal.json naming
# the pre-commit hook and a tracked file.
new_repo journal
build >/dev/null 2>&1 && git add -A && git commit -qm generated
mkdir -p .infrac/staging
printf '#!/bin/sh\ntouch "$HOME/owned"\n' >.infrac/staging/evil
cat >.infrac/journal.json <<'EOF'
{"ops": [{"path": ".git/hooks/pre-commit", "staged": ".infrac/staging/evil"},
         {"path": "hooks/../.git/hooks/pre-commit", "staged": ".infrac/staging/evil"},
         {"path": "README.md"}]}
EOF
git add -A && git commit -qm "innocent"
victim journal
expect_rc 0 "check does not call the old journal a pending write" "$INFRAC" check
expect_rc 0 "build does not replay it" build
expect "it says so" grep -q "journal.json, an unfinished write of an older infrac, is removed without being replayed" "$WORK/out"
expect "no hook was written" test ! -e .git/hooks/pre-commit
expect "the tracked file is still there" test -e README.md
git add -A && git commit -qm "build" >/dev/null 2>&1
expect "and committing runs nothing of the attacker's" test ! -e "$HOME/owned"

# The same in the new place, force-added past .infrac/.gitignore: the journal
# names files by identity (inode, ctime), which no commit can know.
new_repo journal2
build >/dev/null 2>&1 && git add -A && git commit -qm generated
mkdir -p .infrac/local/staging
printf '#!/bin/sh\ntouch "$HOME/owned2"\n' >.infrac/local/staging/.infrac-tmp.evil
jq -n --argjson dev "$(stat -c %d .)" --argjson ino "$(stat -c %i .)" '{target: [$dev, $ino, 0, 0, 0], ops: [
    {path: "hooks/pre-commit", staged: ".infrac/local/staging/.infrac-tmp.evil", id: [1, 2, 31, 3, 4]},
    {path: "README.md", remove: [1, 2, 7, 3, 4]}]}' >.infrac/local/journal
git add -f .infrac/local/journal .infrac/local/staging && git commit -qm "innocent too"
victim journal2
expect_rc 0 "build discards the committed journal and succeeds" build
expect "it says why" grep -q "discarded, nothing in it done: it does not describe files of this machine" "$WORK/out"
expect "nothing it named was written" test ! -e hooks/pre-commit
expect "nothing it named was removed" test -e README.md
# Even in the attacker's own clone, where the target's device and inode match.
cd "$R"
expect "the journal's own author cannot make it match" build
expect "README.md survives there too" test -e README.md

# A forged manifest: a generated file edited and committed, the manifest
# edited to own a tracked file and a hook. The gate compares with what the
# program produces, so the edit is red; nothing the manifest names is deleted.
new_repo forged
build >/dev/null 2>&1 && git add -A && git commit -qm generated
echo '# do not look' >>infra/terraform/modules/shop/main.tf
printf 'file README.md\nfile .git/hooks/pre-commit\n' >>.infrac/manifest
git commit -qam "forged" --no-verify
victim forged
expect_rc 1 "check fails on the edited file" "$INFRAC" check --format sarif
expect "the SARIF names it" jq -e '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | index("infra/terraform/modules/shop/main.tf")' "$WORK/out"
expect_rc 1 "and on the forged manifest" "$INFRAC" check
expect "which is named" grep -q '^.infrac/manifest: stale' "$WORK/out"
expect "the unsafe line is refused" grep -q 'line .* is ignored: it has a .git component' "$WORK/out"
expect_rc 2 "build refuses to delete what this machine never wrote" build
expect "saying what to do" grep -q 'README.md is no longer generated, but this machine has no record of infrac writing it' "$WORK/out"
expect_rc 2 "not even with --force" build --force
expect "README.md is still there" test -e README.md
expect "no hook was written" test ! -e .git/hooks/pre-commit

# A label that leaves the target: refused at its line before any directory exists.
new_repo label
build >/dev/null 2>&1
echo 'space "../../../../elsewhere/sub" {}' >>platform/main.infra
echo 'bucket "new\nline" {}' >>platform/main.infra
before=$(digest .)
expect_rc 2 "a ../ label is an error" build
expect "at its line" grep -q 'platform/main.infra:13:7: error: this name cannot be a file or directory name' "$WORK/out"
expect "a newline in a name too" grep -q 'platform/main.infra:14:8: error: this name cannot be a file or directory name: it holds a control character' "$WORK/out"
expect "nothing was made outside the target" test ! -e "$WORK/elsewhere/sub" -a ! -e "$(dirname "$WORK")/elsewhere"
expect "nor inside it" test "$before" = "$(digest .)"

# A FIFO named *.infra in the program's directory, or as PATH: refused at once.
new_repo fifo
build >/dev/null 2>&1
before=$(digest .)
mkfifo platform/pipe.infra
expect_rc 2 "a FIFO among the sources is refused, without hanging" timeout 10 "$INFRAC" build --stdlib stdlib platform
expect "as not a regular file" grep -q 'cannot read platform/pipe.infra: not a regular file' "$WORK/out"
expect_rc 2 "check too" timeout 10 "$INFRAC" check
expect_rc 2 "a FIFO as PATH too" timeout 10 "$INFRAC" build --stdlib stdlib platform/pipe.infra
expect "the tree is as it was" test "$before" = "$(digest .)"
rm platform/pipe.infra

# .infrac itself committed as a symlink out of the repository.
new_repo dotlink
mkdir -p "$WORK/dotlink-outside"
ln -s "$WORK/dotlink-outside" .infrac
expect_rc 2 "a symlinked .infrac is refused" build
expect "nothing was written through it" test -z "$(ls -A "$WORK/dotlink-outside")"

# A record committed to pass for an unchanged tree: it lists only a file that
# must be absent (an entry with no identity to forge). It names another file
# than the one a checkout makes, so it is not read: check compares.
new_repo forgedrecord
build >/dev/null 2>&1 && "$INFRAC" check >/dev/null 2>&1
key=$(sed -n 's/^key //p' .infrac/local/state)
git add -A && git commit -qm generated
echo '# edited' >>infra/terraform/modules/shop/main.tf
printf 'infrac-local 1\nself 1 2\nkey %s\nstamp 9999999999999999999\ne - 0 0 0 0 0 - .infrac/local/journal\n' "$key" \
    >.infrac/local/state
git add -f .infrac/local/state && git commit -qam "forged record" --no-verify
victim forgedrecord
expect_rc 1 "check is not fooled by a committed record" "$INFRAC" check
expect "and names the edit" grep -q '^infra/terraform/modules/shop/main.tf: stale' "$WORK/out"
expect_rc 1 "nor is check --staged" "$INFRAC" check --staged

# A manifest naming a file outside the repository as the program: check would
# quote its lines in error messages (in CI logs, in code scanning). Only
# .infra files and directories (of .infra files) are taken from a manifest.
new_repo readout
build >/dev/null 2>&1
echo 'root:secret-hash:0:0' >"$WORK/passwd-like"
sed -i "s|^program platform$|program ../passwd-like|" .infrac/manifest
expect_rc 2 "a manifest naming another file as the program is refused" "$INFRAC" check --format sarif
expect "saying what to do" jq -e '.runs[0].results[0].message.text | test("neither a .infra file nor a directory")' "$WORK/out"
expect "and quoting none of it" sh -c "! grep -q secret-hash '$WORK/out'"
