# ---- the hook and --commit -------------------------------------------------------
new_repo hook
build >/dev/null 2>&1 && git add -A && git commit -qm generated
expect "hook install" "$INFRAC" hook install
expect "the hook is executable" test -x .git/hooks/pre-commit
expect "the hook runs check --staged" grep -q 'check --staged' .git/hooks/pre-commit
expect "hook install again replaces its own hook" "$INFRAC" hook install
change_program
git add platform/main.infra
expect_rc 1 "the hook refuses a commit with stale output" git commit -qm "program only"
expect "build --commit refuses while the program change is staged" test "$(build --commit -m gen >/dev/null 2>&1; echo $?)" = 2
git commit -q --no-verify -m "program"
expect "build --commit commits the generated changes" build --commit -m "regenerate"
expect "the commit holds only generated files" test -z "$(git show --name-only --format= HEAD | grep -v -e '^infra/' -e '^.infrac/' -e '^.gitattributes$')"
expect "the commit has the message" test "$(git log -1 --format=%s)" = regenerate
expect "the commit has the configured identity" test "$(git log -1 --format=%an)" = "infrac tests"
expect "the work tree is clean after it" test -z "$(git status --porcelain)"
commits=$(git rev-list --count HEAD)
expect "build --commit with nothing to change" build --commit -m "nothing"
expect "makes no empty commit" test "$commits" = "$(git rev-list --count HEAD)"
new_repo foreignhook
printf '#!/bin/sh\nexit 0\n' >.git/hooks/pre-commit
expect_rc 2 "hook install leaves a hook it did not write" "$INFRAC" hook install
expect "which is untouched" grep -qx 'exit 0' .git/hooks/pre-commit


# The hook names the infrac that installed it, quoted for the shell whatever its path.
new_repo hookquote
build >/dev/null 2>&1 && git add -A && git commit -qm generated
mkdir -p "$WORK/it's here" && cp "$INFRAC" "$WORK/it's here/infrac"
expect "hook install from a path with a quote in it" "$WORK/it's here/infrac" hook install
expect "the hook runs that infrac" sh -c "sh -n .git/hooks/pre-commit && grep -qF \"infrac='$WORK/it'\\\\''s here/infrac'\" .git/hooks/pre-commit"
change_program && git add platform/main.infra
expect_rc 1 "and refuses a stale commit with it" git commit -qm stale
