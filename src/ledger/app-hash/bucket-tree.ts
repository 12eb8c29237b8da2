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
  if (leaves.length === 1) {
    // The common case, one leaf per bucket: no sort, no concatenation.
    const only = leaves[0]!;
    SCRATCH_LEAF[0] = BUCKET_TAG[0]!;
    SCRATCH_LEAF.set(only.keyHash, 1);
    SCRATCH_LEAF.set(only.valueHash, 1 + HASH);
    return sha256(SCRATCH_LEAF);
  }
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

const SCRATCH_LEAF = new Uint8Array(1 + 2 * HASH);
const SCRATCH_NODE = Buffer.alloc(1 + 2 * HASH);

/** A staged update: the root it gives. Only the tree's latest stage can be applied. */
export interface StagedTree {
  readonly root: Uint8Array;
  readonly generation: number;
}

/**
 * The tree of node hashes, heap-indexed (root 1, children 2i and 2i+1, bucket b at BUCKETS + b),
 * in one flat 64 MiB buffer, so a node's two children are 64 contiguous bytes. A stage writes the
 * new hashes in place and keeps an undo log; apply drops the log, and a newer stage (or rollback)
 * restores the committed tree first. So finalizeBlock gets an app hash that only commit keeps.
 */
export class BucketTree {
  private readonly nodes = Buffer.alloc(2 * BUCKETS * HASH);
  /** Undo log of the pending stage: node indices and their committed hashes. */
  private undoIndex = new Int32Array(1024);
  private undoHash = Buffer.alloc(1024 * HASH);
  private undoLength = 0;
  private pending = false;
  private generation = 0;
  private committedRoot: Uint8Array = new Uint8Array(HASH);

  root(): Uint8Array {
    return this.pending ? this.committedRoot.slice() : this.copyOf(1);
  }

  /** Load bucket hashes (at start-up) and rebuild every node above them. */
  load(buckets: Iterable<[number, Uint8Array]>): void {
    this.apply(this.stage(new Map(buckets)));
  }

  /** Write new bucket hashes and every node above them in place; returns the new root. */
  stage(buckets: ReadonlyMap<number, Uint8Array>): StagedTree {
    this.rollback();
    this.committedRoot = this.copyOf(1);
    this.pending = true;
    let level = [...buckets.keys()].map((b) => BUCKETS + b).sort((a, b) => a - b);
    for (const [b, h] of buckets) this.write(BUCKETS + b, h);
    while (level.length > 0 && level[0]! > 1) {
      const parents: number[] = [];
      let previous = -1;
      for (const i of level) {
        const p = i >>> 1;
        if (p !== previous) {
          parents.push(p);
          previous = p;
        }
      }
      for (const p of parents) this.hashNode(p);
      level = parents;
    }
    this.generation++;
    return { root: this.copyOf(1), generation: this.generation };
  }

  /** The root a staged update gives. */
  stagedRoot(staged: StagedTree): Uint8Array {
    return staged.root;
  }

  /** Keep the pending stage: it becomes the committed tree. */
  apply(staged: StagedTree): void {
    if (!this.pending || staged.generation !== this.generation) {
      throw new Error("BucketTree.apply: that stage is not the pending one");
    }
    this.pending = false;
    this.undoLength = 0;
  }

  /** Restore the committed tree, dropping a pending stage. */
  rollback(): void {
    for (let k = this.undoLength - 1; k >= 0; k--) {
      const i = this.undoIndex[k]!;
      this.nodes.set(this.undoHash.subarray(k * HASH, (k + 1) * HASH), i * HASH);
    }
    this.undoLength = 0;
    this.pending = false;
  }

  /** The committed sibling hashes from a bucket up to the root, for inclusion and non-inclusion proofs. */
  path(bucket: number): Uint8Array[] {
    // While a stage is pending (between FinalizeBlock and Commit), read the committed hashes
    // through the undo log, so proofs always match the last committed app hash.
    const saved = new Map<number, number>();
    if (this.pending) for (let k = 0; k < this.undoLength; k++) saved.set(this.undoIndex[k]!, k);
    const out: Uint8Array[] = [];
    for (let i = BUCKETS + bucket; i > 1; i >>>= 1) {
      const s = i ^ 1;
      const k = saved.get(s);
      out.push(
        k === undefined
          ? this.copyOf(s)
          : new Uint8Array(this.undoHash.subarray(k * HASH, (k + 1) * HASH)),
      );
    }
    return out;
  }

  /** The committed hash of a bucket (read through the undo log while a stage is pending). */
  committedBucketHash(bucket: number): Uint8Array {
    const i = BUCKETS + bucket;
    if (this.pending) {
      for (let k = this.undoLength - 1; k >= 0; k--) {
        if (this.undoIndex[k] === i)
          return new Uint8Array(this.undoHash.subarray(k * HASH, (k + 1) * HASH));
      }
    }
    return this.copyOf(i);
  }

  /** True if the committed tree holds no leaves in this bucket. */
  bucketIsEmpty(bucket: number): boolean {
    const h = this.pending
      ? this.committedBucketHash(bucket)
      : this.nodes.subarray((BUCKETS + bucket) * HASH, (BUCKETS + bucket + 1) * HASH);
    for (let k = 0; k < HASH; k++) if (h[k] !== 0) return false;
    return true;
  }

  /** A copy of node i's hash (Buffer#slice would be a view into the tree). */
  private copyOf(i: number): Uint8Array {
    return new Uint8Array(this.nodes.subarray(i * HASH, (i + 1) * HASH));
  }

  private saveUndo(i: number): void {
    if (this.undoLength === this.undoIndex.length) {
      const index = new Int32Array(this.undoIndex.length * 2);
      index.set(this.undoIndex);
      const hashes = Buffer.alloc(index.length * HASH);
      this.undoHash.copy(hashes);
      this.undoIndex = index;
      this.undoHash = hashes;
    }
    this.undoIndex[this.undoLength] = i;
    // TypedArray#set is a native copy; Buffer#copy goes through JavaScript for small lengths.
    this.undoHash.set(this.nodes.subarray(i * HASH, (i + 1) * HASH), this.undoLength * HASH);
    this.undoLength++;
  }

  private write(i: number, h: Uint8Array): void {
    this.saveUndo(i);
    this.nodes.set(h, i * HASH);
  }

  /** Node i from its two children, which sit side by side at 2i and 2i+1. */
  private hashNode(i: number): void {
    const from = 2 * i * HASH;
    const nodes = this.nodes;
    let zero = true;
    for (let k = from; k < from + 2 * HASH; k++) {
      if (nodes[k] !== 0) {
        zero = false;
        break;
      }
    }
    this.saveUndo(i);
    if (zero) {
      nodes.fill(0, i * HASH, (i + 1) * HASH);
      return;
    }
    SCRATCH_NODE[0] = NODE_TAG[0]!;
    SCRATCH_NODE.set(nodes.subarray(from, from + 2 * HASH), 1);
    nodes.set(oneShotHash("sha256", SCRATCH_NODE, "buffer"), i * HASH);
  }
}

/** Hex of a hash, for logs and APIs. */
export const hashHex = (h: Uint8Array): string => toHex(h);
