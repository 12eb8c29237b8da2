import { sha256, sha256Parts } from "../../crypto/hash.js";

const LEAF = Uint8Array.of(0);
const INNER = Uint8Array.of(1);

/** The largest power of two below n (n >= 2): where CometBFT splits a list of leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * CometBFT's simple Merkle tree (crypto/merkle/tree.go HashFromByteSlices, RFC 6962 §2.1): a leaf
 * is SHA-256(0x00 || item), a node SHA-256(0x01 || left || right), the left subtree the largest
 * power of two below n; no items hash to SHA-256 of nothing. Header and validator-set hashes use it.
 */
export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(new Uint8Array());
  if (items.length === 1) return sha256Parts(LEAF, items[0]!);
  const k = splitPoint(items.length);
  return sha256Parts(INNER, merkleRoot(items.slice(0, k)), merkleRoot(items.slice(k)));
}
