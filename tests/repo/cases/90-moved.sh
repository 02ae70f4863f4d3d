# ---- moved blocks from the previous build ------------------------------------
# A program of Terraform's own terraform_data resources (a kind on a provider
# the program declares itself), so that `terraform validate` needs nothing
# from the network.
new_repo moved
cat >platform/main.infra <<'EOF'
project shop {}
environments { dev prod }
provider builtin {
  named = false
  terraform terraform { builtin = true }
}
kind marker {
  provider = builtin
  attr note : string = "kept"
  terraform {
    resource terraform_data this { input = self.note }
  }
}
marker alpha {}
marker other { note = "other" }
EOF
expect "the first build succeeds" build
expect "a first build writes no moved blocks" test ! -e infra/terraform/environments/dev/moved.tf
sed -i 's/marker alpha {}/marker beta {}/' platform/main.infra
expect "a build after a rename succeeds" build
expect "the rename is a moved block in every environment" grep -qxF '  from = module.shop.terraform_data.alpha' \
    infra/terraform/environments/prod/moved.tf
expect "it moves to the new address" grep -qxF '  to   = module.shop.terraform_data.beta' \
    infra/terraform/environments/dev/moved.tf
expect "what did not move has no moved block" sh -c '! grep -q other infra/terraform/environments/dev/moved.tf'
expect_rc 0 "check agrees with the tree" "$INFRAC" check
expect "the next build keeps the moved block (prod may not have applied it yet)" build
expect "it is still there" grep -qF 'terraform_data.alpha' infra/terraform/environments/dev/moved.tf
sed -i 's/marker other { note = "other" }/marker other { note = "changed" }/' platform/main.infra
sed -i 's/marker beta {}/marker gamma {}/' platform/main.infra
expect "a second rename with another change succeeds" build
expect "the moves chain: alpha to beta stays, beta to gamma is added" sh -c \
    'grep -qF "to   = module.shop.terraform_data.beta" infra/terraform/environments/dev/moved.tf &&
     grep -qF "to   = module.shop.terraform_data.gamma" infra/terraform/environments/dev/moved.tf'
if command -v terraform >/dev/null; then
    d=infra/terraform/environments/dev
    if terraform -chdir="$d" init -backend=false -input=false >"$WORK/tf.out" 2>&1; then
        expect "terraform validate accepts the moved blocks" terraform -chdir="$d" validate
    else
        skip "terraform validate of moved blocks: terraform init failed ($(tail -n 1 "$WORK/tf.out"))"
    fi
    rm -rf "$d/.terraform" "$d/.terraform.lock.hcl"
else
    skip "terraform validate of moved blocks: terraform is not installed"
fi
