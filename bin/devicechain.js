#!/usr/bin/env node
// The compiled CLI; `npm run build` (part of `npm start` and `npm test`) produces it.
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/clients/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("error INTERNAL: devicechain is not built; run `npm run build` first\n");
  process.exit(1);
}
await import(entry.href);
