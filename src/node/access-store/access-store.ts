/**
 * The node's access store, DIR/access: API keys (only their hashes), metering records and
 * monthly counters. Node-local, never consensus state. The node and the CLI open it at the same
 * time (LMDB is multi-process: one write lock between processes, readers never block), always
 * through `AccessStore.open`, so both use the same options.
 *
 * Durability: meter() awaits its own put's commit, not the commit's disk flush. The environment
 * is opened with `overlappingSync: true` (lmdb-js's default off Windows) and
 * `separateFlushed: true`: a put's promise resolves once its transaction is committed, i.e.
 * written into the memory map (the OS page cache) and visible to every process, and its
 * `flushed` promise once the OS has synced it, a few milliseconds later, outside the write lock.
 * A committed transaction survives a kill -9 of the node: on reopening under the same boot id
 * lmdb-js uses the latest committed transaction (its `safeRestore` option says so). A power cut
 * or an OS crash may lose the commits not yet flushed: calls answered and not billed (under-
 * billing), never a call billed twice. Concurrent meter() calls share one commit (lmdb-js batches
 * the puts queued in one event turn), which is what keeps metering cheap under load.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Database, open, type RootDatabase } from "lmdb";
import { toBase64Url, toHex } from "../../core/encoding/bytes.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { apiKeyHash, formatApiKey } from "../../core/usage/api-key.js";
import { monthMemo } from "../../core/usage/month-memo.js";
import type {
  AccessBook,
  ApiKeyRecord,
  FirstUse,
  MeterRecord,
} from "../../servers/access/access-book.js";
import type { AccessScope } from "../../servers/access/access-context.js";

export const ACCESS_DIR = "access";
/** Between the parts of a key: no month, key id, scope or request id holds it. */
const SEP = "|";

const previousMonth = (month: string): string => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
};

export class AccessStore implements AccessBook {
  private readonly root: RootDatabase;
  private readonly keys: Database<string, string>;
  private readonly meters: Database<string, string>;
  private readonly counters: Database<string, string>;
  /** The node is the only process that meters, so its counts are the stored ones plus its own. */
  private readonly counts = new Map<string, number>();
  /** Record keys queued but not yet committed: a repeat in the same moment is not billed twice. */
  private readonly pending = new Map<string, FirstUse>();
  /**
   * Parsed key records by key id, with the raw string they were parsed from: the raw string is
   * still read from LMDB on every request (so a revocation holds at once), only its JSON.parse is
   * saved. Bounded by the keys stored: an unknown key id is never cached.
   */
  private readonly parsedKeys = new Map<string, { raw: string; record: ApiKeyRecord }>();
  private readonly monthOf = monthMemo();

  private constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    try {
      this.root = open({
        path: path.join(dir, "store"),
        compression: false,
        overlappingSync: true,
        separateFlushed: true,
        mapSize: 2 ** 34,
      });
    } catch (cause) {
      throw makeError("STORAGE_FAILED", `Cannot open the access store at ${dir}`, { cause });
    }
    this.keys = this.root.openDB({ name: "keys", encoding: "string" });
    this.meters = this.root.openDB({ name: "meters", encoding: "string" });
    this.counters = this.root.openDB({ name: "counters", encoding: "string" });
  }

  /** Open (or create) the store in a node's data directory. */
  static open(dataDir: string): AccessStore {
    return new AccessStore(path.join(dataDir, ACCESS_DIR));
  }

  key(keyId: string): ApiKeyRecord | undefined {
    // Another process (the CLI) may have written since this turn's read snapshot: read now.
    this.root.resetReadTxn();
    const raw = this.keys.get(keyId);
    if (raw === undefined) return undefined;
    const parsed = this.parsedKeys.get(keyId);
    if (parsed?.raw === raw) return parsed.record;
    const record = JSON.parse(raw) as ApiKeyRecord;
    this.parsedKeys.set(keyId, { raw, record });
    return record;
  }

  used(keyId: string, scope: AccessScope, month: string): number {
    const k = [month, keyId, scope].join(SEP);
    let n = this.counts.get(k);
    if (n === undefined) {
      n = Number(this.counters.get(k) ?? 0);
      this.counts.set(k, n);
    }
    return n;
  }

  firstUse(keyId: string, requestId: string, time: number): FirstUse | undefined {
    const month = this.monthOf(time);
    for (const m of [month, previousMonth(month)]) {
      const k = [m, keyId, requestId].join(SEP);
      const queued = this.pending.get(k);
      if (queued !== undefined) return queued;
      const raw = this.meters.get(k);
      if (raw !== undefined) {
        const { time: first, call } = JSON.parse(raw) as MeterRecord;
        return { time: first, call };
      }
    }
    return undefined;
  }

  async meter(record: MeterRecord, opts: { readonly fresh?: boolean } = {}): Promise<boolean> {
    const month = this.monthOf(record.time);
    const k = [month, record.keyId, record.requestId].join(SEP);
    // An id the node made is new by construction (a random UUID): no lookups.
    if (opts.fresh !== true && this.firstUse(record.keyId, record.requestId, record.time)) {
      return false;
    }
    const counter = [month, record.keyId, record.scope].join(SEP);
    const n = this.used(record.keyId, record.scope, month) + 1;
    this.counts.set(counter, n);
    this.pending.set(k, { time: record.time, call: record.call });
    try {
      // One event turn's puts go in one LMDB transaction: the record and its counter together.
      const put = this.meters.put(k, JSON.stringify(record));
      // Same commit as the record: its failure rejects `put` too, which is what is awaited.
      this.counters.put(counter, String(n)).catch(() => undefined);
      // Committed (separateFlushed: the promise resolves at the commit; its flush follows).
      await put;
      return true;
    } catch (cause) {
      this.counts.set(counter, n - 1);
      throw makeError("STORAGE_FAILED", "The metering record was not written", { cause });
    } finally {
      this.pending.delete(k);
    }
  }

  /** Create a key; the presented key is returned once and never stored. */
  createKey(opts: { org: string; plan: string; scopes: readonly AccessScope[]; now: number }): {
    key: string;
    record: ApiKeyRecord;
  } {
    const idHex = toHex(new Uint8Array(randomBytes(8)));
    const key = formatApiKey(idHex, toBase64Url(new Uint8Array(randomBytes(32))));
    const record: ApiKeyRecord = {
      keyId: `dck_${idHex}`,
      hash: apiKeyHash(key),
      org: opts.org,
      plan: opts.plan,
      scopes: [...opts.scopes],
      created: opts.now,
    };
    this.root.transactionSync(() => {
      if (this.keys.get(record.keyId) !== undefined) {
        throw makeError("STORAGE_FAILED", "Key id collision; try again");
      }
      this.keys.putSync(record.keyId, JSON.stringify(record));
    });
    return { key, record };
  }

  /** Every key, revoked ones too, by key id. */
  listKeys(): ApiKeyRecord[] {
    this.root.resetReadTxn();
    return [...this.keys.getRange()].map(({ value }) => JSON.parse(value) as ApiKeyRecord);
  }

  /** Revoke a key now (synchronously committed: the node refuses it from its next request). */
  revokeKey(keyId: string, now: number): ApiKeyRecord {
    return this.root.transactionSync(() => {
      const raw = this.keys.get(keyId);
      if (raw === undefined) throw makeError("NOT_FOUND", `No API key ${keyId}`);
      const record = JSON.parse(raw) as ApiKeyRecord;
      if (record.revoked !== undefined) return record;
      const revoked = { ...record, revoked: now };
      this.keys.putSync(keyId, JSON.stringify(revoked));
      return revoked;
    });
  }

  /** Every metering record of a month (any order). */
  *records(month: string): Iterable<MeterRecord> {
    this.root.resetReadTxn();
    const start = `${month}${SEP}`;
    for (const { value } of this.meters.getRange({ start, end: `${month}}` })) {
      yield JSON.parse(value) as MeterRecord;
    }
  }

  /** A record by key id and request id, in the month of `time`. */
  record(keyId: string, requestId: string, time: number): MeterRecord | undefined {
    this.root.resetReadTxn();
    const raw = this.meters.get([this.monthOf(time), keyId, requestId].join(SEP));
    return raw === undefined ? undefined : (JSON.parse(raw) as MeterRecord);
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
