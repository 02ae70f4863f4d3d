# ---- --staged -----------------------------------------------------------------
new_repo staged
build >/dev/null 2>&1
git add -A && git commit -qm "generated"
change_program
expect_rc 0 "check --staged ignores an unstaged program change" "$INFRAC" check --staged
git add platform/main.infra
expect_rc 1 "check --staged sees a staged program change" "$INFRAC" check --staged
build >/dev/null 2>&1
expect_rc 1 "check --staged still sees stale staged output" "$INFRAC" check --staged
git add -A
expect_rc 0 "check --staged is clean once the output is staged" "$INFRAC" check --staged
mkdir -p sub && cd sub
expect_rc 0 "check --staged from a subdirectory" "$INFRAC" check --staged
cd ..
echo "# tweak" >>infra/terraform/modules/shop/main.tf
expect_rc 0 "check --staged ignores an unstaged hand edit" "$INFRAC" check --staged
git add infra/terraform/modules/shop/main.tf
expect_rc 1 "check --staged sees a staged hand edit" "$INFRAC" check --staged
expect "as edited by hand" grep -q 'infra/terraform/modules/shop/main.tf: edited by hand' "$WORK/out"
git rm -q --cached infra/terraform/modules/shop/main.tf
expect_rc 1 "check --staged sees a file missing from the index" "$INFRAC" check --staged
expect "as missing" grep -q 'infra/terraform/modules/shop/main.tf: missing' "$WORK/out"
git checkout -q -- . 2>/dev/null; git reset -q --hard
expect_rc 0 "check --staged is clean again" "$INFRAC" check --staged
echo 'bucket more {}' >platform/more.infra
expect_rc 0 "check --staged ignores a new program file that is not staged" "$INFRAC" check --staged
expect_rc 1 "check sees it in the work tree" "$INFRAC" check
git add platform/more.infra
expect_rc 1 "check --staged sees a new program file once staged" "$INFRAC" check --staged
git rm -q -f platform/more.infra
sed -i 's/attr versioning : bool = true/attr versioning : bool = false/' stdlib/mini.infra
expect_rc 1 "check sees a change in the --stdlib kinds it was built with" "$INFRAC" check
expect_rc 0 "check --staged does not while it is unstaged" "$INFRAC" check --staged
git add stdlib/mini.infra
expect_rc 1 "check --staged sees it once staged" "$INFRAC" check --staged

