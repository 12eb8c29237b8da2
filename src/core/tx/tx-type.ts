/** Every transaction type the ledger knows. Adding one is a consensus change. */
export const TX_TYPES = [
  "member.admit",
  "member.suspend",
  "member.reinstate",
  "key.rotate",
  "tac.allocate",
  "device.register",
  "device.sell",
  "transfer.offer",
  "transfer.accept",
  "transfer.cancel",
  "report.file",
  "report.clear",
  "device.block",
  "device.unblock",
  "device.scrap",
  "clone.suspect",
  "clone.clear",
  "pairing.add",
  "pairing.remove",
  "pairing.delegate",
  "validator.set",
] as const;

export type TxType = (typeof TX_TYPES)[number];

const known = new Set<string>(TX_TYPES);

export function isTxType(s: string): s is TxType {
  return known.has(s);
}
