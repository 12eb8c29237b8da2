import type { Json } from "../encoding/canonical-json.js";
import { CHAIN_KEY } from "./keys.js";
import type { StateReader, StateWriter } from "./state.js";

/** Chain-wide facts kept in state. */
export interface ChainInfo {
  readonly chainId: string;
  /** Kept so the last regulator can never be suspended, which would freeze governance. */
  readonly activeRegulators: number;
  /**
   * The consortium-wide salt of IMEI–subscriber pairing hashes, 64 hex digits, fixed at genesis
   * (docs/CLONES.md). Absent only on chains created before pairings existed: see pairingSaltOf.
   */
  readonly pairingSalt?: string;
}

export function readChain(state: StateReader): ChainInfo | undefined {
  return state.get(CHAIN_KEY) as unknown as ChainInfo | undefined;
}

export function writeChain(state: StateWriter, chain: ChainInfo): void {
  state.put(CHAIN_KEY, chain as unknown as Json);
}
