import type { Json } from "../encoding/canonical-json.js";

/** Read access to ledger state: canonical JSON values under string keys. */
export interface StateReader {
  get(key: string): Json | undefined;
}

/** Write access, as the state machine sees it while applying one transaction. */
export interface StateWriter extends StateReader {
  put(key: string, value: Json): void;
  delete(key: string): void;
}

/** A pending change: a value to write, or null for a deletion. */
export type StateWrites = Map<string, Json | null>;
