import type { ProofBundleJson } from "../../core/proof/proof-bundle.js";

/**
 * Builds proof bundles over the node's ledger, for whichever engine runs it. The state proofs are
 * read synchronously, in the call itself, before its first await: a caller that reads the ledger
 * synchronously right before calling (a check report) describes exactly the state proved.
 */
export interface ProofSource {
  /**
   * A bundle proving each state key at the latest height a bundle can be built for, or at
   * `height` when given (PROOF_HEIGHT_UNAVAILABLE when the node cannot prove that height).
   */
  prove(keys: readonly string[], height?: number): Promise<ProofBundleJson>;
}
