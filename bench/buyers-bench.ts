/**
 * The buyers suite (issue 13): what a second-hand buyer, a marketplace or an insurer costs the node.
 * - check_ratio, check_p99_ms: GET /v1/check/{id} with an API key and durable metering, against a
 *   bare node:http server in the same run (access-bench.ts);
 * - proofs_per_s, proof_bytes: proof bundles at 10^6 devices (proof-bench.ts);
 * - verify_ms: one bundle verified from its trust, four validators (verify-bench.ts).
 */
import { runAccessBench } from "./access-bench.js";
import { runProofBench } from "./proof-bench.js";
import type { Emit } from "./run.js";
import { runVerifyBench } from "./verify-bench.js";

/** A phone of the example consortium (tests/support/consortium.ts): reported stolen, so its report has history. */
const CHECKED = "490154203237518";

export async function runBuyersBench(emit: Emit): Promise<void> {
  await runAccessBench(emit, { path: `/v1/check/${CHECKED}` });
  await runVerifyBench(emit);
  await runProofBench(emit);
}
