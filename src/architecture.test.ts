/**
 * The layer table of docs/ARCHITECTURE.md holds for every import under src/: each file belongs to
 * the layer of its folder (src/<layer>/…), and may import only the layers its row allows.
 * Static imports, `export … from` and dynamic `import()` all count, type-only ones too.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The checkout: the folder above this file (in src/ or dist/src/) that holds docs/ARCHITECTURE.md. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "docs", "ARCHITECTURE.md"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("no docs/ARCHITECTURE.md above this test");
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const SRC = path.join(ROOT, "src");

/**
 * The table's rows `| layer | \`src/<folder>\` | may import | holds |`, as each layer's allowed
 * layers (itself included). "nothing outside core" names core: the words that are layer names count.
 */
export function layerTable(markdown: string): Map<string, ReadonlySet<string>> {
  const rows = markdown
    .split("\n")
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .filter((cells) => /^`src\/[a-z]+`$/.test(cells[2] ?? ""));
  const names = rows.map((cells) => cells[1]!);
  const table = new Map<string, ReadonlySet<string>>();
  for (const cells of rows) {
    const layer = cells[1]!;
    assert.equal(cells[2], `\`src/${layer}\``, `the ${layer} row names its own folder`);
    const words = (cells[3] ?? "").split(/[^a-z]+/);
    table.set(layer, new Set([layer, ...names.filter((n) => words.includes(n))]));
  }
  return table;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/**
 * Every module specifier a file names: import (type-only too), export … from, import(),
 * `import("…")` types and `import x = require(…)`, read with TypeScript's own parser.
 */
export function importsOf(text: string, fileName = "file.ts"): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const named = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) named(node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      named(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      named(node.argument.literal);
    else if (ts.isExternalModuleReference(node)) named(node.expression);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The layer a path under src/ belongs to, by its first folder; undefined outside src/. */
function layerOf(file: string): string | undefined {
  const rel = path.relative(SRC, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  const [top, ...rest] = rel.split(path.sep);
  return rest.length === 0 ? "" : top;
}

/** Each import that points the wrong way, as "file imports 'specifier' (from → to)". */
export function layerViolations(table: Map<string, ReadonlySet<string>>): string[] {
  const self = fileURLToPath(import.meta.url);
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const rel = path.relative(ROOT, file);
    const from = layerOf(file);
    // This test sits above the layers, at src/ itself.
    if (from === "" && path.basename(file, ".ts") === path.basename(self, ".js")) continue;
    const allowed = from === undefined ? undefined : table.get(from);
    if (!allowed) {
      found.push(`${rel} is in no layer of the table (src/${from}/)`);
      continue;
    }
    for (const spec of importsOf(readFileSync(file, "utf8"), file)) {
      if (!spec.startsWith(".")) continue; // node: built-ins and packages
      const target = path.resolve(path.dirname(file), spec);
      const to = layerOf(target);
      if (to === undefined) {
        // Tests may use the shared test-support code outside src/; the code itself may not.
        if (!/\.test\.ts$/.test(file)) found.push(`${rel} imports '${spec}' from outside src/`);
        continue;
      }
      if (!allowed.has(to)) found.push(`${rel} imports '${spec}' (${from} → ${to || "src/"})`);
    }
  }
  return found;
}

const table = layerTable(readFileSync(path.join(ROOT, "docs", "ARCHITECTURE.md"), "utf8"));

test("docs/ARCHITECTURE.md's layer table has the six layers, dependencies pointing inward", () => {
  assert.deepEqual(Object.fromEntries([...table].map(([layer, may]) => [layer, [...may].sort()])), {
    core: ["core"],
    ledger: ["core", "ledger"],
    consensus: ["consensus", "core", "ledger"],
    servers: ["core", "ledger", "servers"],
    node: ["consensus", "core", "ledger", "node", "servers"],
    clients: ["clients", "core", "node"],
  });
});

test("every import under src/ follows the layer table", () => {
  assert.deepEqual(layerViolations(table), []);
});

test("the import reader sees static, re-exported, type-only and dynamic imports", () => {
  const text = [
    'import type { A } from "../ledger/a.js";',
    'import "./side-effect.js";',
    'export { b } from "../consensus/b.js";',
    'export * as c from "../node/c.js";',
    'const d = await import("../servers/d.js");',
    'let e: typeof import("../clients/e.js");',
    '// import("../commented-out.js") is no import',
    "const s = \"import('../in-a-string.js')\";",
  ].join("\n");
  assert.deepEqual(importsOf(text), [
    "../ledger/a.js",
    "./side-effect.js",
    "../consensus/b.js",
    "../node/c.js",
    "../servers/d.js",
    "../clients/e.js",
  ]);
});
