import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderAuthorizationTable } from "./authorization-table.js";

test("docs/AUTHORIZATION.md shows the matrix the state machine enforces", () => {
  // Compiled to dist/src/core/machine; the docs live at the repository root.
  const doc = readFileSync(new URL("../../../../docs/AUTHORIZATION.md", import.meta.url), "utf8");
  assert.ok(
    doc.includes(renderAuthorizationTable()),
    "docs/AUTHORIZATION.md is stale: run `npm run build && node scripts/render-authorization.mjs`",
  );
});
