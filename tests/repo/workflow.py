#!/usr/bin/env python3
"""tests/repo/workflow.py WORKFLOW JOB INFRAC — runs one job of a generated
GitHub Actions workflow here, in the current directory (a fresh clone: what
actions/checkout leaves), step by step as the runner would: `run` steps with
bash -eo pipefail, `if:` (always(), success(), failure(), steps.ID.outcome
== '...'), continue-on-error. What needs GitHub has a stand-in that does the
part this test is about:
  actions/checkout of another repository (infrac's sources) -> its `path`
      gets the infrac under test, so the step that builds infrac from them
      (`make -C PATH infrac`) is skipped;
  github/codeql-action/upload-sarif -> the file must be a SARIF 2.1.0
      document, as the action requires (it fails on an empty file).
Prints each step's outcome; exit status 0 when the job succeeds, 1 when it
fails, 2 when the workflow cannot be run here."""
import json
import os
import re
import subprocess
import sys

import yaml


def evaluate(cond, outcomes, failed):
    """The `if:` expressions the generated workflows use."""
    cond = str(cond).strip()
    if cond.startswith("${{") and cond.endswith("}}"):
        cond = cond[3:-2].strip()
    if cond == "always()":
        return True
    if cond == "failure()":
        return failed
    if cond == "success()":
        return not failed
    m = re.fullmatch(r"steps\.([\w-]+)\.outcome\s*==\s*'(\w+)'", cond)
    if m:
        return not failed and outcomes.get(m.group(1)) == m.group(2)
    raise SystemExit(f"workflow.py: cannot evaluate `if: {cond}`")


def upload_sarif(step):
    path = step.get("with", {}).get("sarif_file", "")
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"    upload-sarif: {path} is not a SARIF document: {e}")
        return False
    runs = doc.get("runs")
    ok = doc.get("version") == "2.1.0" and isinstance(runs, list) and len(runs) > 0 and all(
        isinstance(r.get("results"), list) and r.get("tool", {}).get("driver", {}).get("name") for r in runs)
    if not ok:
        print(f"    upload-sarif: {path} is not a SARIF 2.1.0 document with runs and results")
    return ok


def run_step(step, infrac, sources):
    uses = step.get("uses", "")
    if uses.startswith("actions/checkout@"):
        where = step.get("with", {}).get("path")
        if where:                       # infrac's own sources: the binary under test instead
            os.makedirs(where, exist_ok=True)
            link = os.path.join(where, "infrac")
            if not os.path.lexists(link):
                os.symlink(infrac, link)
            sources.add(where)
        return True                     # the repository itself: the current directory
    if uses.startswith("github/codeql-action/upload-sarif@"):
        return upload_sarif(step)
    if uses:
        raise SystemExit(f"workflow.py: no stand-in for {uses}")
    script = step["run"]
    if any(f"make -C {s} infrac" in script for s in sources):
        print("    (builds infrac from its sources: the binary under test stands in)")
        return True
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script])
    return done.returncode == 0


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    workflow, job, infrac = sys.argv[1:]
    with open(workflow) as f:
        steps = yaml.safe_load(f)["jobs"][job]["steps"]
    outcomes, failed, sources = {}, False, set()
    for step in steps:
        name = step.get("name", step.get("uses", "run"))
        if not evaluate(step.get("if", "success()"), outcomes, failed):
            print(f"{name}: skipped")
            continue
        sys.stdout.flush()
        outcome = "success" if run_step(step, infrac, sources) else "failure"
        if "id" in step:
            outcomes[step["id"]] = outcome
        if outcome == "failure" and not step.get("continue-on-error"):
            failed = True
        print(f"{name}: {outcome}")
    print("job:", "failure" if failed else "success")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
