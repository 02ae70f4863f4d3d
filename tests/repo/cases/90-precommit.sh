# ---- the pre-commit framework ---------------------------------------------------------
# The project's .pre-commit-hooks.yaml, run by the real framework (Debian 12's
# pre-commit 3.0.4 or newer) against a repository holding an example.
if ! command -v pre-commit >/dev/null; then
    skip "pre-commit framework: pre-commit is not installed (tools/setup installs it)"
else
    expect "the hooks manifest is valid for this pre-commit ($(pre-commit --version))" \
        pre-commit validate-manifest "$ROOT/.pre-commit-hooks.yaml"
    mkdir -p "$WORK/bin" && ln -sf "$INFRAC" "$WORK/bin/infrac"
    rm -rf "$WORK/precommit" && mkdir -p "$WORK/precommit/examples" && cd "$WORK/precommit" && git init -q .
    cp -r "$ROOT/examples/switch" examples/switch
    echo "# Switch" >README.md
    PATH="$WORK/bin:$PATH" infrac build examples/switch >/dev/null 2>&1
    git add -A && git commit -qm "example, generated"
    try_hook() { PATH="$WORK/bin:$PATH" pre-commit try-repo "$ROOT" infrac-check; }
    echo "more" >>README.md && git add README.md
    expect_rc 0 "a clean commit passes the framework's infrac-check" try_hook
    expect "which ran" grep -q '^infrac check.*Passed' "$WORK/out"
    sed -i 's/retention = 30d/retention = 45d/' examples/switch/main.infra
    git add examples
    expect "the program changed" test -n "$(git diff --cached --name-only)"
    expect_rc 1 "a stale commit is refused" try_hook
    expect "saying exactly what to run" grep -q 'run: infrac build && git add -A -- infra/' "$WORK/out"
    fix=$(sed -n 's/.*; run: //p' "$WORK/out")
    expect "which does it ($fix)" sh -c 'PATH="$0:$PATH"; eval "$1"' "$WORK/bin" "$fix"
    expect_rc 0 "and then the commit passes" try_hook
fi
