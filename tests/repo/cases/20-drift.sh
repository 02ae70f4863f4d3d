# ---- pruning and drift --------------------------------------------------------
new_repo drift
build >/dev/null 2>&1
sed -i '/space shop/d' platform/main.infra
expect_rc 1 "check sees a changed program" "$INFRAC" check
expect "the namespace files are reported no longer produced" grep -q 'infra/kubernetes/base/shop/namespace.yaml: no longer produced' "$WORK/out"
expect "rebuild prunes them" build
expect "the pruned file is gone" test ! -e infra/kubernetes/base/shop/namespace.yaml
expect "its empty directory is gone" test ! -e infra/kubernetes/base/shop
expect "the manifest forgets it" sh -c '! grep -q namespace.yaml .infrac/manifest.json'
expect ".gitattributes forgets it" sh -c '! grep -q namespace.yaml .gitattributes'
expect "a file infrac never owned is still there" test -e README.md

change_program
expect_rc 1 "check: stale after a program change" "$INFRAC" check
expect "stale is named" grep -q 'infra/terraform/modules/shop/main.tf: stale' "$WORK/out"
expect "check without PATH lists what differs and nothing else" test "$(wc -l <"$WORK/out")" -ge 1
build >/dev/null 2>&1
echo "# tweak" >>infra/terraform/modules/shop/variables.tf
expect_rc 1 "check: a hand edit" "$INFRAC" check
expect "hand-edited is named" grep -q 'infra/terraform/modules/shop/variables.tf: edited by hand' "$WORK/out"
expect_rc 1 "check --diff shows the edit" "$INFRAC" check --diff
expect "the diff has the removed line" grep -q '^-# tweak' "$WORK/out"
expect_rc 2 "build refuses to overwrite a hand edit" build
expect "the refusal names the file" grep -q 'variables.tf was edited by hand' "$WORK/out"
expect "build --force overwrites it" build --force
rm infra/terraform/environments/dev/main.tf
expect_rc 1 "check: a missing file" "$INFRAC" check
expect "missing is named" grep -q 'infra/terraform/environments/dev/main.tf: missing' "$WORK/out"
build >/dev/null 2>&1
echo '{}' >infra/bicep/monitoring/params.dev.json
expect_rc 1 "check: a hand edit of a JSON file" "$INFRAC" check
expect "the JSON file is named" grep -q 'params.dev.json: edited by hand' "$WORK/out"

