import { type Database, open, type RootDatabase } from "lmdb";
import { equalBytes, toHex } from "../../core/encoding/bytes.js";
import { canonicalize, type Json } from "../../core/encoding/canonical-json.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import {
  bucketHash,
  bucketOf,
  keyHashOf,
  type Leaf,
  valueHashOfText,
} from "../../core/proof/bucket-hash.js";
import type { StateProof } from "../../core/proof/state-proof.js";
import type { Device } from "../../core/state/device.js";
import { DEVICE_PREFIX, deviceKey } from "../../core/state/keys.js";
import type { StateReader, StateWrites } from "../../core/state/state.js";
import { BucketTree, type StagedTree } from "../app-hash/bucket-tree.js";
import type { StoredBlock } from "../block.js";
import { EquipmentIndex } from "./equipment-index.js";

/** What a committed transaction leaves in the index. */
export interface TxRecord {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly code: number;
  readonly codeName: string;
  readonly log: string;
  readonly events: Json;
  readonly data?: Json;
  /** The transaction as submitted (canonical JSON). */
  readonly tx: Json;
}

export interface LastCommit {
  readonly height: number;
  readonly appHash: string;
  readonly blockHash: string;
  readonly time: number;
}

/** State writes hashed and ready to persist: what finalizeBlock computed and commit makes durable. */
export interface PreparedState {
  readonly appHash: string;
  readonly writes: StateWrites;
  readonly encoded: ReadonlyMap<string, string | null>;
  readonly leafChanges: ReadonlyMap<string, Leaf | null>;
  readonly bucketHashes: ReadonlyMap<number, Uint8Array>;
  readonly staged: StagedTree;
}

const EMPTY_LAST: LastCommit = { height: 0, appHash: "", blockHash: "", time: 0 };
const MAX_CACHED_VALUES = 2_000_000;

/** A device record, as the state machine writes under device/ (the store itself holds any JSON). */
export function isDeviceRecord(value: unknown): value is Device {
  const d = value as Partial<Device> | null;
  return typeof d === "object" && d !== null && Array.isArray(d.ids) && Array.isArray(d.marks);
}
const MAX_CACHED_BUCKETS = 200_000;
/** The meta entry that says the owner index covers every committed device record. */
const OWNER_INDEX_META = "owner-index";
/** An owner index entry: the owner's key id (base64url, so no "/"), then the device id. */
const ownerEntry = (keyId: string, deviceId: string): string => `${keyId}/${deviceId}`;

/** Key-hash range of a bucket: key hashes are 32 bytes and a bucket is their first 20 bits. */
function bucketBounds(bucket: number): { start: Buffer; end: Buffer } {
  const prefix = (b: number) => Buffer.from([(b >>> 12) & 0xff, (b >>> 4) & 0xff, (b & 0xf) << 4]);
  return {
    start: prefix(bucket),
    end: bucket + 1 < 1 << 20 ? prefix(bucket + 1) : Buffer.alloc(33, 0xff),
  };
}

/**
 * The node's LMDB files: state, the leaves and buckets of the app-hash tree, blocks and the
 * transaction index. Each block is written in one LMDB transaction, so a crash at any moment
 * leaves the last committed block whole and nothing of the next.
 */
export class LedgerStore implements StateReader {
  private readonly root: RootDatabase;
  private readonly state: Database<string, string>;
  private readonly leaves: Database<Buffer, Buffer>;
  private readonly buckets: Database<Buffer, number>;
  private readonly blocks: Database<string, number>;
  private readonly txs: Database<string, string>;
  private readonly meta: Database<string, string>;
  /**
   * Node-local, outside the app hash: which devices each owner key has been given. An entry is
   * added when a committed device record names an owner and is never removed, so it may be stale;
   * ownsAnyDevice checks each against the verified device record.
   */
  private readonly owners: Database<string, string>;
  private readonly tree = new BucketTree();
  private readonly cache = new Map<string, Json>();
  /**
   * Every device's EIR status by each identifier key, and its pairings: derived from committed
   * device records only. commit updates it; ledger/read/equipment-reads.ts fills it from verified
   * reads and is the only reader.
   */
  readonly equipment = new EquipmentIndex();
  /** Buckets whose stored leaves were checked against the tree since this process opened the store. */
  private readonly verifiedBuckets = new Set<number>();
  /** Bucket leaves read since the last commit: a block reads a bucket, then rewrites it. */
  private readonly leavesRead = new Map<number, ReadonlyMap<string, Leaf>>();
  private lastCommit: LastCommit;

  private constructor(path: string) {
    try {
      this.root = open({ path, compression: false, mapSize: 2 ** 36 });
    } catch (cause) {
      throw makeError("STORAGE_FAILED", `Cannot open the ledger at ${path}`, { cause });
    }
    this.state = this.root.openDB({ name: "state", encoding: "string" });
    this.leaves = this.root.openDB({ name: "leaves", keyEncoding: "binary", encoding: "binary" });
    this.buckets = this.root.openDB({ name: "buckets", keyEncoding: "uint32", encoding: "binary" });
    this.blocks = this.root.openDB({ name: "blocks", keyEncoding: "uint32", encoding: "string" });
    this.txs = this.root.openDB({ name: "txs", encoding: "string" });
    this.meta = this.root.openDB({ name: "meta", encoding: "string" });
    this.owners = this.root.openDB({ name: "owners", encoding: "string" });
    const last = this.meta.get("last");
    this.lastCommit = last ? (JSON.parse(last) as LastCommit) : EMPTY_LAST;
    const stored: [number, Uint8Array][] = [];
    for (const { key, value } of this.buckets.getRange()) stored.push([key, new Uint8Array(value)]);
    this.tree.load(stored);
    this.buildOwnerIndex();
  }

  /**
   * Fill the owner index once, for a store written before it existed: one pass over the device
   * records, unverified (ownsAnyDevice verifies what it reads). A new store is marked at once.
   */
  private buildOwnerIndex(): void {
    if (this.meta.get(OWNER_INDEX_META) !== undefined) return;
    this.root.transactionSync(() => {
      for (const { key, value } of this.state.getRange({ start: DEVICE_PREFIX })) {
        if (!key.startsWith(DEVICE_PREFIX)) break;
        const device = JSON.parse(value) as unknown;
        if (isDeviceRecord(device) && device.owner !== undefined) {
          this.owners.putSync(ownerEntry(device.owner, device.id), "");
        }
      }
      this.meta.putSync(OWNER_INDEX_META, "1");
    });
  }

  /**
   * True if the key owns at least one device now, by committed state. Reads the owner index (so
   * no scan of the registry) and checks its entries against the verified device records; a key
   * the index has never seen costs one LMDB range probe.
   */
  ownsAnyDevice(keyId: string): boolean {
    const prefix = ownerEntry(keyId, "");
    for (const { key } of this.owners.getRange({ start: prefix })) {
      if (!key.startsWith(prefix)) return false;
      const device = this.get(deviceKey(key.slice(prefix.length)));
      if (isDeviceRecord(device) && device.owner === keyId) return true;
    }
    return false;
  }

  /** Open (or create) a store, checking the rebuilt tree against the last committed app hash. */
  static open(path: string): LedgerStore {
    const store = new LedgerStore(path);
    const rebuilt = toHex(store.tree.root());
    if (store.initialized && rebuilt !== store.lastCommit.appHash) {
      void store.root.close();
      throw makeError(
        "LEDGER_CORRUPT",
        `The stored tree gives app hash ${rebuilt}, but block ${store.lastCommit.height} committed ${store.lastCommit.appHash}`,
      );
    }
    return store;
  }

  get last(): LastCommit {
    return this.lastCommit;
  }

  /** True once genesis (block 0) has been committed. */
  get initialized(): boolean {
    return this.lastCommit.appHash !== "";
  }

  get(key: string): Json | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const raw = this.state.get(key);
    this.verifyRead(key, raw);
    if (raw === undefined) return undefined;
    const value = JSON.parse(raw) as Json;
    if (this.cache.size >= MAX_CACHED_VALUES) this.cache.clear();
    this.cache.set(key, value);
    return value;
  }

  /**
   * Refuse state the app hash does not vouch for: a value (or an absence) must match its leaf,
   * and the bucket's leaves must hash to the committed bucket hash. A disk fault or an edit behind
   * the node's back is never served. Each bucket is checked on its first read after start-up (and
   * is then kept right by this process's own commits), so the cost is paid once per bucket.
   */
  private verifyRead(key: string, raw: string | undefined): void {
    const keyHash = keyHashOf(key);
    const b = bucketOf(keyHash);
    // An absence in a bucket the app hash commits as empty needs no disk read to be believed.
    if (raw === undefined && (this.verifiedBuckets.has(b) || this.tree.bucketIsEmpty(b))) return;
    const leaves = this.bucketLeaves(b);
    const hex = toHex(keyHash);
    const leaf = leaves.get(hex);
    const matches =
      raw === undefined
        ? leaf === undefined
        : leaf !== undefined && equalBytes(leaf.valueHash, valueHashOfText(raw));
    if (!matches) {
      throw makeError(
        "LEDGER_CORRUPT",
        `The stored state of ${key} does not match its committed hash`,
      );
    }
    this.verifyBucket(b, leaves);
  }

  /** The committed leaves of a bucket, by key hash (hex); kept until the next commit. */
  private bucketLeaves(b: number): ReadonlyMap<string, Leaf> {
    const known = this.leavesRead.get(b);
    if (known) return known;
    const leaves = new Map<string, Leaf>();
    for (const { key, value } of this.leaves.getRange(bucketBounds(b))) {
      leaves.set(key.toString("hex"), {
        keyHash: new Uint8Array(key),
        valueHash: new Uint8Array(value),
      });
    }
    if (this.leavesRead.size >= MAX_CACHED_BUCKETS) this.leavesRead.clear();
    this.leavesRead.set(b, leaves);
    return leaves;
  }

  private verifyBucket(b: number, leaves: ReadonlyMap<string, Leaf>): void {
    if (this.verifiedBuckets.has(b)) return;
    if (!equalBytes(bucketHash([...leaves.values()]), this.tree.committedBucketHash(b))) {
      throw makeError(
        "LEDGER_CORRUPT",
        `The stored leaves of bucket ${b} do not match the app hash`,
      );
    }
    this.verifiedBuckets.add(b);
  }

  /** Hash a block's state writes and stage the tree: the app hash, with nothing persisted yet. */
  prepare(writes: StateWrites): PreparedState {
    const encoded = new Map<string, string | null>();
    const leafChanges = new Map<string, Leaf | null>();
    const dirty = new Map<number, Map<string, Leaf | null>>();
    for (const [key, value] of writes) {
      const keyHash = keyHashOf(key);
      const text = value === null ? null : canonicalize(value);
      encoded.set(key, text);
      const leaf = text === null ? null : { keyHash, valueHash: valueHashOfText(text) };
      const hex = toHex(keyHash);
      leafChanges.set(hex, leaf);
      const b = bucketOf(keyHash);
      let changes = dirty.get(b);
      if (!changes) {
        changes = new Map();
        dirty.set(b, changes);
      }
      changes.set(hex, leaf);
    }
    const bucketHashes = new Map<number, Uint8Array>();
    for (const [b, changes] of dirty) {
      const committed = this.bucketLeaves(b);
      this.verifyBucket(b, committed);
      const leaves = new Map(committed);
      for (const [hex, leaf] of changes) {
        if (leaf) leaves.set(hex, leaf);
        else leaves.delete(hex);
      }
      bucketHashes.set(b, bucketHash([...leaves.values()]));
    }
    const staged = this.tree.stage(bucketHashes);
    return {
      appHash: toHex(this.tree.stagedRoot(staged)),
      writes,
      encoded,
      leafChanges,
      bucketHashes,
      staged,
    };
  }

  /** Persist a block atomically: state, tree, block, transaction index and the last-commit record. */
  commit(prepared: PreparedState, block: StoredBlock, txRecords: readonly TxRecord[]): void {
    const last: LastCommit = {
      height: block.header.height,
      appHash: prepared.appHash,
      blockHash: block.hash,
      time: block.header.time,
    };
    try {
      this.root.transactionSync(() => {
        for (const [key, text] of prepared.encoded) {
          if (text === null) this.state.removeSync(key);
          else this.state.putSync(key, text);
        }
        for (const [hex, leaf] of prepared.leafChanges) {
          const k = Buffer.from(hex, "hex");
          if (leaf) this.leaves.putSync(k, Buffer.from(leaf.valueHash));
          else this.leaves.removeSync(k);
        }
        for (const [b, h] of prepared.bucketHashes) this.buckets.putSync(b, Buffer.from(h));
        for (const [key, value] of prepared.writes) {
          if (key.startsWith(DEVICE_PREFIX) && isDeviceRecord(value) && value.owner !== undefined) {
            const entry = ownerEntry(value.owner, value.id);
            if (this.owners.get(entry) === undefined) this.owners.putSync(entry, "");
          }
        }
        this.blocks.putSync(block.header.height, JSON.stringify(block));
        // A copy of a transaction (replayed, later in the block or in a later block) must not
        // hide its committed result: a record with code 0 is never overwritten.
        const chosen = new Map<string, TxRecord>();
        for (const r of txRecords) {
          const earlier = chosen.get(r.hash);
          if (!earlier || (earlier.code !== 0 && r.code === 0)) chosen.set(r.hash, r);
        }
        for (const r of chosen.values()) {
          const before = this.txs.get(r.hash);
          if (before !== undefined && (JSON.parse(before) as TxRecord).code === 0) continue;
          this.txs.putSync(r.hash, JSON.stringify(r));
        }
        this.meta.putSync("last", JSON.stringify(last));
      });
    } catch (cause) {
      throw makeError("STORAGE_FAILED", `Block ${block.header.height} could not be written`, {
        cause,
      });
    }
    this.tree.apply(prepared.staged);
    this.leavesRead.clear();
    for (const [key, value] of prepared.writes) {
      if (value === null) this.cache.delete(key);
      else this.cache.set(key, value);
      if (key.startsWith(DEVICE_PREFIX) && isDeviceRecord(value)) this.equipment.setDevice(value);
    }
    this.lastCommit = last;
  }

  /** Resolves once every commit so far is flushed to disk: the moment a client may be told. */
  async flushed(): Promise<void> {
    await this.root.flushed;
  }

  getBlock(height: number): StoredBlock | undefined {
    const raw = this.blocks.get(height);
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredBlock);
  }

  getTx(hash: string): TxRecord | undefined {
    const raw = this.txs.get(hash);
    return raw === undefined ? undefined : (JSON.parse(raw) as TxRecord);
  }

  /** Every committed state entry under a key prefix, in key order; after `after` (a key suffix) if given. */
  *scan(prefix: string, after?: string): Iterable<[string, Json]> {
    const start = after === undefined ? prefix : prefix + after;
    for (const { key, value } of this.state.getRange({ start })) {
      if (!key.startsWith(prefix)) return;
      if (after !== undefined && key === start) continue;
      this.verifyRead(key, value);
      yield [key, JSON.parse(value) as Json];
    }
  }

  /** Proof material for a key: its bucket's leaves and the sibling path up to the app hash. */
  proofMaterial(key: string): { bucket: number; leaves: Leaf[]; path: Uint8Array[] } {
    const b = bucketOf(keyHashOf(key));
    const leaves: Leaf[] = [];
    for (const { key: k, value } of this.leaves.getRange(bucketBounds(b))) {
      leaves.push({ keyHash: new Uint8Array(k), valueHash: new Uint8Array(value) });
    }
    return { bucket: b, leaves, path: this.tree.path(b) };
  }

  /**
   * A proof of a key's committed value, or of its absence, against the last committed app hash
   * (core/proof verifies it). Consistent while a block is pending: leaves, path and value are all
   * read from the committed state.
   */
  stateProof(key: string): { height: number; appHash: string; proof: StateProof } {
    const { leaves, path } = this.proofMaterial(key);
    const value = this.get(key) ?? null;
    const { height, appHash } = this.lastCommit;
    return { height, appHash, proof: { key, value, leaves, path } };
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
