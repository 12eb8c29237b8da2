import type { TxResult } from "../../core/machine/state-machine.js";
import type { LedgerApp } from "../application.js";

/**
 * A transaction's fate once its block is durable on this node: its result (code 0, or the code
 * its block gave it) and where it sits.
 */
export interface CommittedTx extends TxResult {
  readonly height: number;
  readonly index: number;
}

/**
 * What the servers submit through: the embedded engine, or the CometBFT engine that broadcasts
 * to a consortium. Both answer a submission once its block is durable on this node, or reject it
 * with the DevicechainError that refused it (the same object the state machine raised, where it
 * was raised in this process).
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
