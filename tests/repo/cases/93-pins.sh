# ---- action pins: a bump the program declares is not a hand edit ----------------------
# Dependabot (or a person) bumps an action's pin in a generated workflow; once
# the program declares the same pin (project { github { actions { … } } }),
# the workflow is what the program produces: check is clean and build keeps it.
new_repo pins
echo 'pipeline plan { run = "make plan" }' >>platform/main.infra
git add -A && git commit -qm "a workflow"
expect "a build" build
old='actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1'
new='actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd'
expect "the workflow has the stdlib's pin" grep -qx "        uses: $old  # v7.0.1" .github/workflows/plan.yml
git add -A && git commit -qm "generated"
sed -i "s|$old  # v7.0.1|$new  # v6.0.2|" .github/workflows/plan.yml
git commit -qam "Bump actions/checkout from v7.0.1 to v6.0.2"
expect_rc 1 "while the program pins the old one, check reports the bumped workflow" "$INFRAC" check
expect "as an edit to move into the program" grep -q '^.github/workflows/plan.yml: edited by hand' "$WORK/out"
sed -i "s|^project shop {|project shop {\n  github {\n    actions { checkout = \"$new # v6.0.2\" }\n  }|" platform/main.infra
git commit -qam "Declare the bumped pin"
expect_rc 0 "once the program declares the same pin, check is clean" "$INFRAC" check
before=$(digest .)
expect_rc 0 "build accepts the bumped workflow" build
expect "without a word of a hand edit" sh -c '! grep -q "by hand" "$WORK/out"'
expect "and leaves it as it is" test "$before" = "$(digest .)"
expect "the other steps unchanged" grep -qx '        run: make plan' .github/workflows/plan.yml

# A target in a subdirectory: the workflow at the root names the target's
# directory (its steps run at the repository's root), and the hook checks it.
new_repo subdir-paths
echo 'pipeline plan { run = "make plan" }' >>platform/main.infra
git add -A && git commit -qm "a workflow"
expect "a build into deploy/" build -o deploy
expect "the workflow's step runs in deploy" grep -qx '        working-directory: deploy' .github/workflows/plan.yml
git add -A && git commit -qm "generated"
expect_rc 0 "check --staged agrees" "$INFRAC" check --staged -o deploy
expect "hook install for the target" "$INFRAC" hook install deploy
expect "the hook checks it with -o" grep -qx '"$infrac" check --staged -o '"'"'deploy'"'"' || exit 1' .git/hooks/pre-commit
expect "the hook is a shell script" sh -n .git/hooks/pre-commit
expect "hook install for it again" "$INFRAC" hook install deploy
expect "checks it once" test "$(grep -c 'check --staged' .git/hooks/pre-commit)" = 1
sed -i 's/make plan/make plan2/' platform/main.infra
git add platform
expect_rc 1 "the hook refuses a commit whose target in deploy/ is stale" git commit -qm "program only"
expect "naming its workflow" grep -q 'plan.yml: stale' "$WORK/out"
expect "build" build -o deploy
git add -A
expect_rc 0 "and lets it through once built" git commit -qm "program and output"
