/**
 * verify_ms: one proof bundle verified, as a client verifies a bundle it has just read (parsed
 * afresh each time). Issue 13's target: at most 5 ms with four validators.
 * - verify_ms: the bundle of a real 4-validator CometBFT v0.38.25 network served by
 *   GET /v1/devices/{id}/proof (bench/fixtures/cometbft-4-validators-bundle.json, captured by
 *   tests/bft/proof-bundle.test.ts), trusting a checkpoint of that network's validator set;
 * - verify_skipping_ms: the bundle of tests/fixtures/cometbft/, signed by a set that changed
 *   after genesis (five validators), verified from the genesis by the light client's skipping rule.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ProofBundleJson } from "../src/core/proof/proof-bundle.js";
import { verifyProofBundle } from "../src/core/proof/verify-bundle.js";
import {
  cometBundleFixture,
  genesisFixture,
  proofsFixture,
  timeOf,
} from "../tests/support/comet-fixtures.js";
import type { Emit } from "./run.js";
import { median } from "./stats.js";

const FOUR_VALIDATORS = fileURLToPath(
  new URL("../../bench/fixtures/cometbft-4-validators-bundle.json", import.meta.url),
);

/** The median milliseconds of verifying `text` (a bundle's JSON) under `trust` at `now`. */
function timeVerify(text: string, trust: unknown, now: number): number {
  for (let i = 0; i < 50; i++) verifyProofBundle(JSON.parse(text), trust, { now });
  const samples: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t0 = process.hrtime.bigint();
    verifyProofBundle(JSON.parse(text), trust, { now });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return Number(median(samples).toFixed(3));
}

export async function runVerifyBench(emit: Emit): Promise<void> {
  const four = JSON.parse(readFileSync(FOUR_VALIDATORS, "utf8")) as ProofBundleJson;
  if (four.commit.engine !== "cometbft")
    throw new Error("the 4-validator fixture is not CometBFT's");
  const header = four.commit.signedHeader["header"] as { time: string };
  const headerTime = Date.parse(header.time);
  // A checkpoint the user took of this network just before: its validator set, unchanged since.
  const checkpoint = {
    chainId: four.chainId,
    height: 1,
    time: headerTime - 60_000,
    validators: four.commit.validators,
  };
  const text = JSON.stringify(four);
  emit({
    bench: "buyers",
    metric: "verify_ms",
    value: timeVerify(text, checkpoint, headerTime + 1000),
    unit: "ms",
    validators: four.commit.validators.length,
    entries: four.entries.length,
    bundle_bytes: text.length,
  });

  const changed = cometBundleFixture();
  const validators = changed.commit.engine === "cometbft" ? changed.commit.validators.length : 0;
  emit({
    bench: "buyers",
    metric: "verify_skipping_ms",
    value: timeVerify(
      JSON.stringify(changed),
      genesisFixture(),
      timeOf(proofsFixture().next, 1000),
    ),
    unit: "ms",
    validators,
    entries: changed.entries.length,
  });
}
