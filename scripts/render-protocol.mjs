// Rewrites the generated part of docs/PROTOCOL.md (the refusal codes) from the error catalogue
// (run after `npm run build`).
import { readFileSync, writeFileSync } from "node:fs";
import { renderErrorTable } from "../dist/src/core/errors/error-table.js";

const file = new URL("../docs/PROTOCOL.md", import.meta.url);
const doc = readFileSync(file, "utf8");
const start = "<!-- codes:start -->";
const end = "<!-- codes:end -->";
const [before] = doc.split(start);
const after = doc.split(end)[1] ?? "\n";
writeFileSync(file, `${before}${start}\n${renderErrorTable()}\n${end}${after}`);
