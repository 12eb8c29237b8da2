/**
 * Writes tests/fixtures/cometbft/ from a real network (validator-change.ts): the pinned CometBFT
 * v0.38's /commit and /validators answers, a stopped node's state proofs and the genesis.
 * Run after a build: `node dist/tests/bft/capture-light-fixtures.js`. Takes about a minute.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { toCompactStateProof } from "../../src/core/proof/compact-state-proof.js";
import type { StateProof } from "../../src/core/proof/state-proof.js";
import { runValidatorChange } from "./validator-change.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const out = path.join(root, "tests", "fixtures", "cometbft");
const write = (name: string, value: unknown): void =>
  writeFileSync(path.join(out, name), `${JSON.stringify(value, null, 2)}\n`);

const { net, captured } = await runValidatorChange();
try {
  write("genesis.json", captured.genesis);
  write("plain.json", captured.plain);
  write("changed.json", captured.changed);
  write("low-overlap.json", captured.lowOverlap);
  write("proofs.json", {
    ...captured.proofs,
    entries: captured.proofs.entries.map((p) => toCompactStateProof(p as StateProof)),
  });
  process.stdout.write(
    `wrote ${out}: heights ${captured.plain.height}, ${captured.changed.height}, ${captured.lowOverlap.height}, proofs at ${captured.proofs.height}\n`,
  );
} finally {
  await net.close();
}
