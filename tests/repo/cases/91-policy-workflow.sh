# ---- the generated CI gate ---------------------------------------------------------------
# The policy.yml a program generates, its steps run on a clone of a repository
# holding the MindWell example (tests/repo/workflow.py): a clean commit is
# green, drift is red, an error finding is red, and every report is a SARIF
# document code scanning accepts.
if ! /usr/bin/env python3 -c 'import yaml' 2>/dev/null; then
    skip "the policy workflow's steps: python3 with PyYAML is not installed (tools/setup installs pre-commit, which brings it)"
else
    rm -rf "$WORK/gate" && mkdir -p "$WORK/gate/examples" && cd "$WORK/gate" && git init -q .
    cp -r "$ROOT/examples/mindwell" examples/mindwell
    "$INFRAC" build examples/mindwell >/dev/null 2>&1
    git add -A && git commit -qm "MindWell, generated"
    ci() {  # a fresh checkout, and the workflow's `check` job in it
        rm -rf "$WORK/gate-ci" && git clone -q "$WORK/gate" "$WORK/gate-ci" && cd "$WORK/gate-ci" &&
            python3 "$ROOT/tests/repo/workflow.py" .github/workflows/policy.yml check "$INFRAC"
    }
    unsuppressed() { jq '[.runs[0].results[] | select(.suppressions == null)] | length' "$WORK/gate-ci/infrac.sarif"; }
    expect "the example generates the gate" test -f .github/workflows/policy.yml
    expect_rc 0 "a clean commit is green" ci
    expect "its report is a SARIF document" sarif_results "$WORK/gate-ci/infrac.sarif" "$(jq '.runs[0].results | length' "$WORK/gate-ci/infrac.sarif")"
    expect "with nothing unsuppressed in it" test "$(unsuppressed)" = 0
    cd "$WORK/gate"
    echo '# drift' >>infra/terraform/modules/mindwell/main.tf
    git commit -qam "a hand edit"
    expect_rc 1 "drift is red" ci
    expect "the check step failed and the job failed after the upload" grep -q 'Upload the report: success' "$WORK/out"
    expect "the report names the file" jq -e '[.runs[0].results[] | select(.ruleId | startswith("drift/"))
        | .locations[0].physicalLocation.artifactLocation.uri] == ["infra/terraform/modules/mindwell/main.tf"]' \
        "$WORK/gate-ci/infrac.sarif"
    cd "$WORK/gate" && git revert --no-edit HEAD >/dev/null
    sed -i 's/@allow(s3.public_acl, "[^"]*")//' examples/mindwell/storage.infra
    git commit -qam "the suppression goes"
    expect "the drift is gone" sh -c '! grep -q "# drift" infra/terraform/modules/mindwell/main.tf'
    expect_rc 1 "an error finding is red" ci
    expect "the report has the finding at its line" jq -e '[.runs[0].results[] | select(.ruleId == "s3.public_acl" and .level == "error")
        | .locations[0].physicalLocation.artifactLocation.uri] == ["examples/mindwell/storage.infra"]' \
        "$WORK/gate-ci/infrac.sarif"
fi
