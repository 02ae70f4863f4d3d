# ---- merges ------------------------------------------------------------------------------
# Two branches add different resources, each built and committed: git merges
# what infrac keeps (the manifest, the .gitattributes block) without a
# conflict, and check finds the merge clean.
branch_with() {  # BRANCH NAME: from main, a namespace NAME in its own file, built and committed
    git checkout -q -b "$1" main
    echo "space $2 {}" >"platform/$2.infra"
    build >/dev/null 2>&1 && git add -A && git commit -qm "$2"
}
new_repo merge
build >/dev/null 2>&1 && git add -A && git commit -qm generated
branch_with left alpha
branch_with right zeta
git checkout -q left
expect "two branches adding different resources merge without conflict" git merge -q --no-edit right
expect "the merged manifest owns both" sh -c 'grep -q "^file infra/kubernetes/base/alpha/" .infrac/manifest && grep -q "^file infra/kubernetes/base/zeta/" .infrac/manifest'
expect_rc 0 "check finds the merge clean" "$INFRAC" check
expect_rc 0 "check --staged too" "$INFRAC" check --staged
rm -rf .infrac/local
expect_rc 0 "and so would CI, with no record of this machine" "$INFRAC" check

# Resources whose lines sort together: the manifest still merges (merge=union);
# generated files and .gitattributes conflict, and build is the resolution.
git checkout -q main
branch_with one beta
branch_with two gamma
git checkout -q one
expect_rc 1 "adjacent additions conflict in generated files" git merge -q --no-edit two
expect "but not in the manifest" sh -c '! grep -q "^<<<<<<<" .infrac/manifest'
expect_rc 1 "check names the conflicts" "$INFRAC" check
expect "as merge conflicts build resolves" grep -q 'kustomization.yaml: in a merge conflict (run infrac build: it regenerates the file)' "$WORK/out"
expect "and says what to run" grep -q 'to bring the generated files up to date, run: infrac build' "$WORK/out"
expect "build resolves them" build
expect "no conflict marker is left" sh -c '! grep -rq "^<<<<<<<" infra .gitattributes .infrac/manifest'
git add -A && git commit -qm merged --no-edit
expect_rc 0 "check is clean after the merge is committed" "$INFRAC" check
expect_rc 0 "check --staged too" "$INFRAC" check --staged

# A manifest merged without its union driver (another tool, or an override):
# its conflict is read as both sides, and build writes it clean.
git checkout -q main
branch_with three delta
branch_with four epsilon
git checkout -q three
echo '/.infrac/manifest merge=text' >.git/info/attributes
git merge -q --no-edit four >/dev/null 2>&1
rm .git/info/attributes
expect "the manifest has conflict markers" grep -q '^<<<<<<<' .infrac/manifest
expect_rc 1 "check reports it" "$INFRAC" check
expect "as a merge conflict infrac resolves" grep -q '^.infrac/manifest: in a merge conflict (run infrac build: it regenerates the file)' "$WORK/out"
expect "build resolves it" build
expect "the manifest is clean and owns both sides" sh -c '! grep -q "^<<<<<<<" .infrac/manifest && grep -q "base/delta/" .infrac/manifest && grep -q "base/epsilon/" .infrac/manifest'
git add -A && git commit -qm merged --no-edit
expect_rc 0 "check is clean" "$INFRAC" check
