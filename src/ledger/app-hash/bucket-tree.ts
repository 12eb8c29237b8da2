import { hash as oneShotHash } from "node:crypto";
import { compareBytes, concatBytes, toHex, utf8 } from "../../core/encoding/bytes.js";

/**
 * The app hash: a fixed-shape Merkle tree over 2^20 buckets.
 *
 * Each state entry (key, value) becomes a leaf (sha256(key), sha256(canonical value)) and falls
 * into the bucket named by the first 20 bits of sha256(key). A bucket's hash commits to its
 * leaves sorted by key hash; an empty bucket is 32 zero bytes. Above the buckets sits a complete
 * binary tree of depth 20 whose root is the app hash; a node over two empty subtrees is zero too.
 *
 * Why this shape: it is fixed, so no insertion order can change it (determinism for free); a
 * block costs one hash per dirty bucket plus its path; and it yields both kinds of proof a later
 * issue needs. Inclusion: the bucket's leaves plus 20 sibling hashes. Non-inclusion: the same
 * bucket listing, showing the key hash is absent. Buckets hold about n / 2^20 leaves, so proofs
 * stay small up to ~10^8 entries.
 */
export const BUCKET_BITS = 20;
export const BUCKETS = 1 << BUCKET_BITS;
const HASH = 32;
const ZERO = new Uint8Array(HASH);
const BUCKET_TAG = Uint8Array.of(1);
const NODE_TAG = Uint8Array.of(2);

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(oneShotHash("sha256", data, "buffer"));
}

export const keyHashOf = (key: string): Uint8Array => sha256(utf8(key));

/** The bucket of a key hash: its first 20 bits. */
export function bucketOf(keyHash: Uint8Array): number {
  return ((keyHash[0]! << 12) | (keyHash[1]! << 4) | (keyHash[2]! >> 4)) >>> 0;
}

/** A leaf: a key hash and the hash of the canonical value under it. */
export interface Leaf {
  readonly keyHash: Uint8Array;
  readonly valueHash: Uint8Array;
}

/** The hash of a bucket's leaves; order-independent because it sorts them first. */
export function bucketHash(leaves: readonly Leaf[]): Uint8Array {
  if (leaves.length === 0) return ZERO;
  const sorted = [...leaves].sort((a, b) => compareBytes(a.keyHash, b.keyHash));
  return sha256(concatBytes(BUCKET_TAG, ...sorted.flatMap((l) => [l.keyHash, l.valueHash])));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (isZero(left) && isZero(right)) return ZERO;
  return sha256(concatBytes(NODE_TAG, left, right));
}

function isZero(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false;
  return true;
}

/**
 * The tree of node hashes, heap-indexed (root 1, children 2i and 2i+1, bucket b at BUCKETS + b),
 * in one flat 64 MiB buffer. Updates are staged and return the new root without touching the
 * committed tree, so finalizeBlock can compute an app hash that only commit makes permanent.
 */
export class BucketTree {
  private readonly nodes = new Uint8Array(2 * BUCKETS * HASH);

  private node(index: number, staged?: ReadonlyMap<number, Uint8Array>): Uint8Array {
    return staged?.get(index) ?? this.nodes.subarray(index * HASH, (index + 1) * HASH);
  }

  root(): Uint8Array {
    return this.node(1).slice();
  }

  /** Load bucket hashes (at start-up) and rebuild every node above them. */
  load(buckets: Iterable<[number, Uint8Array]>): void {
    const dirty = new Map<number, Uint8Array>();
    for (const [b, h] of buckets) dirty.set(b, h);
    this.apply(this.stage(dirty));
  }

  /** Stage new bucket hashes; returns every changed node, root included, keyed by index. */
  stage(buckets: ReadonlyMap<number, Uint8Array>): Map<number, Uint8Array> {
    const staged = new Map<number, Uint8Array>();
    let level = new Set<number>();
    for (const [b, h] of buckets) {
      staged.set(BUCKETS + b, h);
      level.add((BUCKETS + b) >>> 1);
    }
    while (level.size > 0) {
      const next = new Set<number>();
      for (const i of level) {
        staged.set(i, nodeHash(this.node(2 * i, staged), this.node(2 * i + 1, staged)));
        if (i > 1) next.add(i >>> 1);
      }
      level = next;
    }
    return staged;
  }

  /** The root a staged update would give. */
  stagedRoot(staged: ReadonlyMap<number, Uint8Array>): Uint8Array {
    return this.node(1, staged).slice();
  }

  apply(staged: ReadonlyMap<number, Uint8Array>): void {
    for (const [i, h] of staged) this.nodes.set(h, i * HASH);
  }

  /** The sibling hashes from a bucket up to the root, for inclusion and non-inclusion proofs. */
  path(bucket: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = BUCKETS + bucket; i > 1; i >>>= 1) out.push(this.node(i ^ 1).slice());
    return out;
  }
}

/** Hex of a hash, for logs and APIs. */
export const hashHex = (h: Uint8Array): string => toHex(h);
