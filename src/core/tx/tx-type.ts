import { TX_DEFINITIONS } from "../machine/registry.js";

/** A transaction type's name, e.g. "report.file": one per definition in the registry. */
export type TxType = (typeof TX_DEFINITIONS)[number]["type"];

/**
 * Every transaction type the ledger knows, in the registry's order (core/machine/registry.ts,
 * where a type is added). Adding one is a consensus change.
 */
export const TX_TYPES: readonly TxType[] = TX_DEFINITIONS.map((d) => d.type);

const known = new Set<string>(TX_TYPES);

export function isTxType(s: string): s is TxType {
  return known.has(s);
}
