# ---- a resource dropped on a fresh clone -------------------------------------------------
# No record of this machine shows who wrote the files, but a file that says it
# is generated (infrac's header) and that git's index holds exactly loses
# nothing when it goes: git has it, and a commit that brought it could as
# well have deleted it. A Bicep parameter file, which is JSON and cannot say
# so, goes with its main.bicep.
fresh_clone() {  # NAME: a fresh clone of $R, entered
    rm -rf "$WORK/fresh-$1" && git clone -q "$R" "$WORK/fresh-$1" && cd "$WORK/fresh-$1" || exit 2
}
new_repo fresh
build >/dev/null 2>&1 && git add -A && git commit -qm generated
fresh_clone drop
sed -i '/space shop/d; /^stack monitoring/,/^}/d' platform/main.infra
expect "a fresh clone drops a namespace and a Bicep stack" build
expect "the namespace's files are removed" test ! -e infra/kubernetes/base/shop
expect "so is the stack's main.bicep" test ! -e infra/bicep/monitoring/main.bicep
expect "and its JSON parameter files with it" test ! -e infra/bicep/monitoring
expect "the manifest forgets them" sh -c '! grep -q -e kubernetes/base/shop -e bicep/monitoring .infrac/manifest'
expect "a file infrac never owned is still there" test -e README.md
expect_rc 0 "check is clean" "$INFRAC" check

# An uncommitted change to a file no longer produced: git does not have it, so
# it stays.
fresh_clone edited
echo '# mine' >>infra/kubernetes/base/shop/namespace.yaml
sed -i '/space shop/d' platform/main.infra
before=$(digest .)
expect_rc 2 "a dropped file with a change git does not have is kept" build
expect "saying why" grep -q 'namespace.yaml is no longer generated, but this machine has no record of infrac writing it, and git does not hold it as it is' "$WORK/out"
expect "and what to do" grep -q 'if it is a generated file, delete it yourself and build again' "$WORK/out"
expect "nothing moved" test "$before" = "$(digest .)"
git checkout -q -- infra
expect "once the change is gone, the build removes it" build
expect "the file is gone" test ! -e infra/kubernetes/base/shop/namespace.yaml

# A parameter file whose main.bicep stays (an environment dropped, its stack
# kept): nothing shows it is infrac's, so it stays for the user.
fresh_clone env
sed -i 's/environments { dev prod }/environments { dev }/; s/ when prod {[^}]*}//' platform/main.infra
expect_rc 2 "a dropped environment's JSON file beside a kept main.bicep is not removed" build
expect "saying why" grep -q 'params.prod.json is no longer generated, but this machine has no record of infrac writing it, and a JSON file cannot say it is generated (its main.bicep stays)' "$WORK/out"
expect "the file is still there" test -e infra/bicep/monitoring/params.prod.json
rm infra/bicep/monitoring/params.prod.json
expect "once deleted by hand, the build goes through" build
expect "and removes the environment's files that say they are generated" test ! -e infra/terraform/environments/prod
expect_rc 0 "check is clean" "$INFRAC" check

# A manifest naming tracked hand-written files (no header): never deleted,
# not even with --force, not even a JSON file beside generated files that go.
cd "$R"
mkdir -p config && echo '{"hand": true}' >config/params.json && echo '{"hand": true}' >infra/kubernetes/base/shop/params.x.json
printf 'file README.md\nfile config/params.json\nfile infra/kubernetes/base/shop/params.x.json\n' >>.infrac/manifest
git add -A && git commit -qm "hand-written files in the manifest" --no-verify
fresh_clone hand
sed -i '/space shop/d' platform/main.infra
expect_rc 2 "build refuses to delete hand-written files the manifest names" build --force
expect "README.md, which carries no header" grep -q 'README.md is no longer generated, but this machine has no record of infrac writing it, and it does not say it is generated' "$WORK/out"
expect "a JSON file" grep -q 'config/params.json is no longer generated' "$WORK/out"
expect "a JSON file beside generated files that go" grep -q 'shop/params.x.json is no longer generated' "$WORK/out"
expect "all are still there" test -e README.md -a -e config/params.json -a -e infra/kubernetes/base/shop/params.x.json
