import type { BlockHeader } from "../core/proof/block-header.js";
import type { HeaderSignature } from "../core/proof/header-signature.js";

/**
 * A block as the ledger records it. The header and its hash are defined in core/proof, where a
 * client verifies them with the same code.
 */
export interface StoredBlock {
  readonly hash: string;
  readonly header: BlockHeader;
  readonly txs: readonly string[];
  /**
   * The embedded engine's signature over the header with the node's key. Outside the header, so
   * the block hash and the app hash never depend on it; absent on genesis and on CometBFT's
   * blocks, which CometBFT's own commits sign.
   */
  readonly signature?: HeaderSignature;
}

export const GENESIS_PREV_HASH = "0".repeat(64);
