import { hash as oneShotHash } from "node:crypto";
import { compareBytes, concatBytes, utf8 } from "../encoding/bytes.js";
import { canonicalize, type Json } from "../encoding/canonical-json.js";

/**
 * The hashes that define the app hash: a fixed-shape Merkle tree over 2^20 buckets.
 *
 * Each state entry (key, value) becomes a leaf (sha256(key), sha256(canonical value)) and falls
 * into the bucket named by the first 20 bits of sha256(key). A bucket's hash commits to its
 * leaves sorted by key hash; an empty bucket is 32 zero bytes. Above the buckets sits a complete
 * binary tree of depth 20 whose root is the app hash; a node over two empty subtrees is zero too.
 *
 * Why this shape: it is fixed, so no insertion order can change it (determinism for free); a
 * block costs one hash per dirty bucket plus its path; and it yields both kinds of proof. Inclusion:
 * the bucket's leaves plus 20 sibling hashes. Non-inclusion: the same bucket listing, showing the
 * key hash is absent. Buckets hold about n / 2^20 leaves, so proofs stay small up to ~10^8 entries.
 *
 * These are the definitions the ledger's tree (ledger/app-hash) and every verifier (the SDK, a
 * browser) share, so that they agree byte for byte.
 */
export const BUCKET_BITS = 20;
export const BUCKETS = 1 << BUCKET_BITS;
/** The length of every hash in the tree. */
export const HASH_BYTES = 32;
/** The hash of an empty bucket, and of a node over two empty subtrees. */
export const ZERO_HASH: Uint8Array = new Uint8Array(HASH_BYTES);
/** The first byte hashed for a bucket, so a bucket's preimage is never a node's. */
export const BUCKET_TAG = 1;
/** The first byte hashed for a node above the buckets. */
export const NODE_TAG = 2;

/**
 * SHA-256, one shot: node:crypto's `hash` skips the Hash object that core/crypto's streaming form
 * makes, and a block of 10,000 registrations hashes here some 10^5 times.
 */
function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(oneShotHash("sha256", data, "buffer"));
}

/** The key hash of a state key: sha256 of its UTF-8 bytes. */
export const keyHashOf = (key: string): Uint8Array => sha256(utf8(key));

/** The value hash of a value's canonical text (RFC 8785), as the ledger stores it. */
export const valueHashOfText = (canonicalText: string): Uint8Array => sha256(utf8(canonicalText));

/** The value hash of a JSON value: the hash of its canonical text. */
export const valueHashOf = (value: Json): Uint8Array => valueHashOfText(canonicalize(value));

/** The bucket of a key hash: its first 20 bits. */
export function bucketOf(keyHash: Uint8Array): number {
  return ((keyHash[0]! << 12) | (keyHash[1]! << 4) | (keyHash[2]! >> 4)) >>> 0;
}

/** A leaf: a key hash and the hash of the canonical value under it. */
export interface Leaf {
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
}

/** The leaf of a state entry, from its key and its value's canonical text. */
export function leafOf(key: string, canonicalText: string): Leaf {
  return { keyHash: keyHashOf(key), valueHash: valueHashOfText(canonicalText) };
}

const SCRATCH_LEAF = new Uint8Array(1 + 2 * HASH_BYTES);

/** The hash of a bucket's leaves; order-independent because it sorts them first. */
export function bucketHash(leaves: readonly Leaf[]): Uint8Array {
  if (leaves.length === 0) return ZERO_HASH;
  if (leaves.length === 1) {
    // The common case, one leaf per bucket: no sort, no concatenation.
    const only = leaves[0]!;
    SCRATCH_LEAF[0] = BUCKET_TAG;
    SCRATCH_LEAF.set(only.keyHash, 1);
    SCRATCH_LEAF.set(only.valueHash, 1 + HASH_BYTES);
    return sha256(SCRATCH_LEAF);
  }
  const sorted = [...leaves].sort((a, b) => compareBytes(a.keyHash, b.keyHash));
  return sha256(
    concatBytes(Uint8Array.of(BUCKET_TAG), ...sorted.flatMap((l) => [l.keyHash, l.valueHash])),
  );
}

/** The hash of a node from its two children; zero over two empty subtrees. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (isZeroHash(left) && isZeroHash(right)) return ZERO_HASH;
  return sha256(concatBytes(Uint8Array.of(NODE_TAG), left, right));
}

/** True if a hash is all zeros: an empty bucket or subtree. */
export function isZeroHash(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false;
  return true;
}

/**
 * The root a bucket's hash gives with its sibling path (from the bucket up, BUCKET_BITS hashes):
 * at each level the running hash is the left child when its heap index is even.
 */
export function rootFromPath(
  bucket: number,
  bucketHashValue: Uint8Array,
  path: readonly Uint8Array[],
): Uint8Array {
  let acc = bucketHashValue;
  let index = BUCKETS + bucket;
  for (const sibling of path) {
    acc = index % 2 === 0 ? nodeHash(acc, sibling) : nodeHash(sibling, acc);
    index >>>= 1;
  }
  return acc;
}
