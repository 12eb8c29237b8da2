import type { Json } from "../encoding/canonical-json.js";
import type { StateReader, StateWriter } from "./state.js";

/** One consensus validator: its Ed25519 consensus key (base64, as CometBFT shows it), its power. */
export interface Validator {
  readonly pubKey: string;
  /** The member who runs it. */
  readonly member: string;
  readonly power: number;
}

/**
 * The validator set the ledger has agreed, as one state entry sorted by key: a consortium has
 * tens of validators, and one sorted list keeps iteration order in our hands.
 */
export const VALIDATORS_KEY = "validators";

export function readValidators(state: StateReader): readonly Validator[] {
  return (state.get(VALIDATORS_KEY) as unknown as Validator[] | undefined) ?? [];
}

export function writeValidators(state: StateWriter, validators: readonly Validator[]): void {
  const sorted = [...validators].sort((a, b) =>
    a.pubKey < b.pubKey ? -1 : a.pubKey > b.pubKey ? 1 : 0,
  );
  state.put(VALIDATORS_KEY, sorted as unknown as Json);
}
