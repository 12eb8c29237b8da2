import type { LedgerApp } from "../application.js";
import type { CommittedTx } from "./embedded-engine.js";

/**
 * What the servers submit through: the embedded engine, or the CometBFT engine that broadcasts
 * to a consortium. Both answer a submission once its block is durable on this node, or refuse
 * it with a coded error.
 */
export interface TxEngine {
  readonly kind: "embedded" | "cometbft";
  readonly app: LedgerApp;
  /** Transactions submitted here and not yet committed. */
  readonly pendingCount: number;
  submit(bytes: Uint8Array): Promise<CommittedTx>;
  /** Stop taking submissions; the embedded engine first commits what it holds. */
  stop(): Promise<void>;
}
