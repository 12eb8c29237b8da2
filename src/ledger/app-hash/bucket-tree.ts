import { hash as oneShotHash } from "node:crypto";
import { BUCKETS, HASH_BYTES as HASH, NODE_TAG } from "../../core/proof/bucket-hash.js";

/**
 * The ledger's copy of the app-hash tree (core/proof/bucket-hash.ts defines its hashes and
 * proofs): every node hash kept in memory, rebuilt at start-up from the bucket hashes stored in
 * LMDB, and updated in place as blocks are staged and committed.
 */
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

  /**
   * Node i from its two children, which sit side by side at 2i and 2i+1: core's nodeHash, computed
   * in place without copying the children out (the model check in the tests holds it to nodeHash).
   */
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
    SCRATCH_NODE[0] = NODE_TAG;
    SCRATCH_NODE.set(nodes.subarray(from, from + 2 * HASH), 1);
    nodes.set(oneShotHash("sha256", SCRATCH_NODE, "buffer"), i * HASH);
  }
}
