import type { Json } from "../encoding/canonical-json.js";
import { CHAIN_KEY } from "./keys.js";
import type { StateReader, StateWriter } from "./state.js";

/** Chain-wide facts kept in state. */
export interface ChainInfo {
  readonly chainId: string;
  /** Kept so the last regulator can never be suspended, which would freeze governance. */
  readonly activeRegulators: number;
}

export function readChain(state: StateReader): ChainInfo | undefined {
  return state.get(CHAIN_KEY) as unknown as ChainInfo | undefined;
}

export function writeChain(state: StateWriter, chain: ChainInfo): void {
  state.put(CHAIN_KEY, chain as unknown as Json);
}
