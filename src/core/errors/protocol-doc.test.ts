import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ERRORS, type ErrorCode } from "./catalogue.js";
import { renderErrorTable } from "./error-table.js";

// Compiled to dist/src/core/errors; the docs live at the repository root.
const doc = readFileSync(new URL("../../../../docs/PROTOCOL.md", import.meta.url), "utf8");
const STALE = "run `npm run build && node scripts/render-protocol.mjs`";

/** The code rows of docs/PROTOCOL.md's generated table: code → [ABCI, HTTP]. */
function documentedCodes(): Map<string, [number, number]> {
  const block = doc.split("<!-- codes:start -->")[1]?.split("<!-- codes:end -->")[0] ?? "";
  const rows = new Map<string, [number, number]>();
  for (const m of block.matchAll(/^\| (\d+) \| `([A-Z0-9_]+)` \| (\d+) \|/gm)) {
    rows.set(m[2]!, [Number(m[1]), Number(m[3])]);
  }
  return rows;
}

test("docs/PROTOCOL.md lists every code of the catalogue with its ABCI code and HTTP status", () => {
  const documented = documentedCodes();
  const problems: string[] = [];
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const row = documented.get(code);
    const { abci, http } = ERRORS[code];
    if (!row) problems.push(`${code} is missing`);
    else if (row[0] !== abci || row[1] !== http) {
      problems.push(
        `${code} is ABCI ${row[0]}, HTTP ${row[1]} there, ${abci}, ${http} in the catalogue`,
      );
    }
  }
  for (const code of documented.keys()) {
    if (!Object.hasOwn(ERRORS, code)) problems.push(`${code} is not in the catalogue`);
  }
  assert.deepEqual(problems, [], `docs/PROTOCOL.md's refusal codes are stale: ${STALE}`);
});

test("docs/PROTOCOL.md's code table is the one generated from the catalogue", () => {
  assert.ok(
    doc.includes(renderErrorTable()),
    `docs/PROTOCOL.md's refusal codes are stale: ${STALE}`,
  );
});
