import { CometProofSource } from "../../consensus/comet-proofs.js";
import type { LedgerApp } from "../../ledger/application.js";
import { EmbeddedProofSource } from "../../ledger/read/embedded-proofs.js";
import type { ProofSource } from "../../ledger/read/proof-source.js";
import type { ConsensusConfig } from "../data-dir.js";
import type { Service } from "./service.js";

/**
 * Proof bundles for the engine that runs: under CometBFT (consensus.json present) the headers
 * and commits come from this node's CometBFT RPC, the engine's; else the embedded engine's
 * node-signed headers. Stopping aborts bundles still waiting for a CometBFT header.
 */
export function startProofs(
  consensus: ConsensusConfig | undefined,
  app: LedgerApp,
): Service<ProofSource> {
  if (!consensus) {
    return { name: "proofs", value: new EmbeddedProofSource(app.store), stop: () => undefined };
  }
  const source = new CometProofSource(app.store, { rpcUrl: consensus.rpcUrl });
  return { name: "proofs", value: source, stop: () => source.close() };
}
