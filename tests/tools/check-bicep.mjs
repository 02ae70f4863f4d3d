// Usage: node check-bicep.mjs FILE...
// Parses each Bicep file with tree-sitter-bicep; an ERROR or MISSING node is
// a finding, printed with its line. Exits 1 if there were any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Parser, Language } from "web-tree-sitter";

const require = createRequire(import.meta.url);
await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(require.resolve("tree-sitter-bicep/tree-sitter-bicep.wasm")));

function* broken(node) {
  if (node.isError || node.isMissing) yield node;
  for (const child of node.children) yield* broken(child);
}

let findings = 0;
for (const file of process.argv.slice(2)) {
  const tree = parser.parse(readFileSync(file, "utf8"));
  for (const n of broken(tree.rootNode)) {
    console.log(`tree-sitter-bicep ${file}:${n.startPosition.row + 1}: ${n.isMissing ? "missing " + n.type : "syntax error"}`);
    findings++;
  }
}
process.exit(findings ? 1 : 0);
