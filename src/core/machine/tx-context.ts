import type { StateWriter } from "../state/state.js";
import type { Account } from "./account.js";

/** An event a committed transaction emits, as ABCI events carry them: string attributes. */
export interface TxEvent {
  readonly type: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** What an action sees while it applies: its own overlay of state, the signer and the block. */
export interface TxContext {
  readonly state: StateWriter;
  readonly signer: Account;
  readonly height: number;
  /** Block time from the engine, ms since the epoch. Never a clock read. */
  readonly time: number;
  readonly txHash: string;
  readonly events: TxEvent[];
}
