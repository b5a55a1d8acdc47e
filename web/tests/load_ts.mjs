// Loads a module of web/src (TypeScript) for node's test runner: the module and the relative
// modules it imports are transpiled (types erased, nothing bundled) into a temporary folder.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import ts from "typescript";

const SRC = new URL("../src/", import.meta.url);
const IMPORT = /(\bfrom\s*|\bimport\s*)(["'])(\.{1,2}\/[^"']+)\2/g;

function transpile(relative, out, done) {
  if (done.has(relative)) return;
  done.add(relative);
  const source = readFileSync(new URL(relative, SRC), "utf8");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  }).outputText;
  const rewritten = js.replace(IMPORT, (_all, head, quote, spec) => {
    const target = normalize(join(dirname(relative), spec)).replaceAll("\\", "/");
    transpile(`${target}.ts`, out, done);
    return `${head}${quote}${spec}.mjs${quote}`;
  });
  const file = join(out, relative.replace(/\.ts$/, ".mjs"));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, rewritten);
}

/** `import()` of src/<relative> (e.g. "store.ts"), with what it imports from src/. */
export async function loadTs(relative) {
  const out = mkdtempSync(join(tmpdir(), "kordon-web-"));
  transpile(relative, out, new Set());
  return import(join(out, relative.replace(/\.ts$/, ".mjs")));
}
