// Rewrites the generated part of docs/AUTHORIZATION.md from the matrix in code (run after `npm run build`).
import { readFileSync, writeFileSync } from "node:fs";
import { renderAuthorizationTable } from "../dist/src/core/machine/authorization-table.js";

const file = new URL("../docs/AUTHORIZATION.md", import.meta.url);
const doc = readFileSync(file, "utf8");
const start = "<!-- matrix:start -->";
const end = "<!-- matrix:end -->";
const [before] = doc.split(start);
const after = doc.split(end)[1] ?? "\n";
writeFileSync(file, `${before}${start}\n${renderAuthorizationTable()}\n${end}${after}`);
