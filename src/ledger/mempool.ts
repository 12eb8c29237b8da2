import type { Json } from "../core/encoding/canonical-json.js";
import { makeError } from "../core/errors/devicechain-error.js";
import type { StateReader, StateWrites } from "../core/state/state.js";
import type { DecodedTx } from "../core/tx/transaction.js";

/** How much of the mempool one signer, and everyone together, may hold. */
export interface MempoolLimits {
  /** Transactions waiting on this node, at most; beyond it MEMPOOL_FULL. */
  readonly maxTxs: number;
  /** Per member key: members are known and accountable, and pipeline bulk work. */
  readonly maxPerMember: number;
  /** Per key that is not a member's (owners, and keys the ledger does not know). */
  readonly maxPerKey: number;
}

export const DEFAULT_MEMPOOL_LIMITS: MempoolLimits = {
  maxTxs: 50_000,
  maxPerMember: 25_000,
  maxPerKey: 16,
};

interface Entry {
  readonly seq: number;
  readonly signer: string;
  readonly writes: StateWrites;
}

interface Write {
  readonly value: Json | null;
  /** The entry that wrote it last. */
  readonly seq: number;
}

/**
 * The state the mempool admits against: the last committed state plus the effects of every
 * transaction admitted since, in admission order. A transaction is admitted only if it would
 * succeed on top of all of them, so what a block would refuse is refused at submission and
 * never broadcast. Node-local and never hashed: it decides admission, never a block's result.
 */
export class Mempool implements StateReader {
  private readonly entries = new Map<string, Entry>();
  /** Admitted in checkTx, signature still being verified on the worker. */
  private readonly reserved = new Map<string, { readonly signer: string; readonly d: DecodedTx }>();
  private readonly latest = new Map<string, Write>();
  /** Every string the reserved transactions' parameters hold (keys, device ids), counted. */
  private readonly mentions = new Map<string, number>();
  private readonly perSigner = new Map<string, number>();
  private seq = 0;

  constructor(
    private readonly base: StateReader,
    public limits: MempoolLimits = DEFAULT_MEMPOOL_LIMITS,
  ) {}

  get(key: string): Json | undefined {
    const w = this.latest.get(key);
    if (w === undefined) return this.base.get(key);
    return w.value === null ? undefined : w.value;
  }

  /** Transactions admitted or reserved. */
  get size(): number {
    return this.entries.size + this.reserved.size;
  }

  has(hash: string): boolean {
    return this.entries.has(hash) || this.reserved.has(hash);
  }

  /** How many transactions of this signer wait here. */
  pendingOf(signer: string): number {
    return this.perSigner.get(signer) ?? 0;
  }

  /** Throws MEMPOOL_FULL or TOO_MANY_PENDING unless one more transaction of `signer` fits. */
  checkRoom(signer: string, member: boolean): void {
    if (this.size >= this.limits.maxTxs) throw makeError("MEMPOOL_FULL");
    const max = member ? this.limits.maxPerMember : this.limits.maxPerKey;
    if (this.pendingOf(signer) >= max) {
      throw makeError("TOO_MANY_PENDING", `The signer has ${max} transactions waiting`, {
        data: { pending: max },
      });
    }
  }

  /** Hold a place for a transaction whose signature is being verified. */
  reserve(d: DecodedTx): void {
    this.reserved.set(d.hash, { signer: d.tx.body.signer, d });
    this.count(d.tx.body.signer, 1);
    for (const s of stringsIn(d.tx.body.params))
      this.mentions.set(s, (this.mentions.get(s) ?? 0) + 1);
  }

  /**
   * True if a transaction whose signature is still being verified names `s` in its parameters:
   * once admitted, it may make `s` (a key, a device) a member's or an owner's.
   */
  mentionedInFlight(s: string): boolean {
    return this.mentions.has(s);
  }

  /** The reserved transaction, released; undefined if it was not reserved. */
  release(hash: string): DecodedTx | undefined {
    const r = this.reserved.get(hash);
    if (!r) return undefined;
    this.reserved.delete(hash);
    this.count(r.signer, -1);
    for (const s of stringsIn(r.d.tx.body.params)) {
      const n = (this.mentions.get(s) ?? 1) - 1;
      if (n <= 0) this.mentions.delete(s);
      else this.mentions.set(s, n);
    }
    return r.d;
  }

  /** Admit a simulated transaction: its writes become part of the state later ones see. */
  add(hash: string, signer: string, writes: StateWrites): void {
    const seq = ++this.seq;
    this.entries.set(hash, { seq, signer, writes });
    this.count(signer, 1);
    for (const [key, value] of writes) this.latest.set(key, { value, seq });
  }

  /**
   * Drop transactions a committed block held. Their effects are now in the committed state; a
   * key whose last pending write was theirs is read from there again.
   */
  removeCommitted(hashes: readonly string[]): void {
    for (const hash of hashes) {
      const e = this.entries.get(hash);
      if (!e) continue;
      this.entries.delete(hash);
      this.count(e.signer, -1);
      for (const key of e.writes.keys()) {
        if (this.latest.get(key)?.seq === e.seq) this.latest.delete(key);
      }
    }
  }

  /** Forget every admitted transaction (CometBFT rechecks its mempool after each block). */
  reset(): void {
    for (const e of this.entries.values()) this.count(e.signer, -1);
    this.entries.clear();
    this.latest.clear();
  }

  private count(signer: string, by: number): void {
    const n = (this.perSigner.get(signer) ?? 0) + by;
    if (n <= 0) this.perSigner.delete(signer);
    else this.perSigner.set(signer, n);
  }
}

/** The strings in a transaction's parameters, however deep. */
function stringsIn(value: Json | undefined, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) stringsIn(v, out);
  }
  return out;
}
