import { createHash } from "node:crypto";

/** A hash function over bytes; SHA-256 everywhere in the ledger. */
export type Hash = (data: Uint8Array) => Uint8Array;

export const sha256: Hash = (data) => new Uint8Array(createHash("sha256").update(data).digest());

/** SHA-256 of several parts without concatenating them first. */
export function sha256Parts(...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
