/**
 * verify_ms: one proof bundle verified, four validators (issue 13's target: at most 5 ms). The
 * bundle is the real one of tests/fixtures/cometbft/ (a member record and an absent key, the
 * commit of a real CometBFT v0.38.25 network), verified from its genesis as a client would.
 */
import { verifyProofBundle } from "../src/core/proof/verify-bundle.js";
import {
  cometBundleFixture,
  genesisFixture,
  proofsFixture,
  timeOf,
} from "../tests/support/comet-fixtures.js";
import type { Emit } from "./run.js";
import { median } from "./stats.js";

export async function runVerifyBench(emit: Emit): Promise<void> {
  const bundle = cometBundleFixture();
  const genesis = genesisFixture();
  const now = timeOf(proofsFixture().next, 1000);
  const validators = bundle.commit.engine === "cometbft" ? bundle.commit.validators.length : 0;
  // Parsed afresh each time: a client verifies a bundle it has just read.
  const text = JSON.stringify(bundle);
  for (let i = 0; i < 50; i++) verifyProofBundle(JSON.parse(text), genesis, { now });
  const samples: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t0 = process.hrtime.bigint();
    verifyProofBundle(JSON.parse(text), genesis, { now });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  emit({
    bench: "buyers",
    metric: "verify_ms",
    value: Number(median(samples).toFixed(3)),
    unit: "ms",
    validators,
    entries: bundle.entries.length,
    bundle_bytes: text.length,
  });
}
