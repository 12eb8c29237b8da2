import { hash as oneShotHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { fromBase64Url, toHex } from "../core/encoding/bytes.js";
import type { Json } from "../core/encoding/canonical-json.js";
import type { ErrorCode } from "../core/errors/catalogue.js";
import { DevicechainError, isError, makeError } from "../core/errors/devicechain-error.js";
import { parseIdentifier } from "../core/identifiers/identifier.js";
import { type Account, resolveAccount } from "../core/machine/account.js";
import { precheckTx } from "../core/machine/admission.js";
import { type Genesis, initChain } from "../core/machine/genesis.js";
import { executeBlock, simulateTx, type TxResult } from "../core/machine/state-machine.js";
import { checkChain, checkSignature } from "../core/machine/verify.js";
import { blockHash, txRoot } from "../core/proof/block-header.js";
import type { HeaderSigner } from "../core/proof/header-signature.js";
import { type DecodedTx, decodeTx, signingBytes } from "../core/tx/transaction.js";
import { GENESIS_PREV_HASH, type StoredBlock } from "./block.js";
import type { SignatureCheck } from "./engine/signature-verifier.js";
import { Mempool } from "./mempool.js";
import { EquipmentReads } from "./read/equipment-reads.js";
import { LedgerReads } from "./read/ledger-reads.js";
import { LedgerStore, type PreparedState, type TxRecord } from "./storage/ledger-store.js";

export interface FinalizeRequest {
  readonly height: number;
  /** Block time in ms since the epoch, from the engine or the consensus header. */
  readonly time: number;
  readonly txs: readonly Uint8Array[];
}

export interface FinalizeResponse {
  readonly txResults: readonly TxResult[];
  readonly appHash: string;
}

/**
 * What checkTx and admitTx answer: the transaction passed the checks asked for, or `refusal`
 * says why not, as the coded error the state machine raised (the one a client gets).
 */
export interface CheckTxResponse {
  /** The transaction's hash; "" when it was refused. */
  readonly hash: string;
  /** With deferSignature: the signature still to check before the transaction may enter a block. */
  readonly signature?: SignatureCheck;
  readonly refusal?: DevicechainError;
}

export interface CheckTxOptions {
  /**
   * Run every check but the signature, and hold the transaction's place in the mempool; the
   * caller verifies the signature (on another thread), then calls admitTx or releaseTx.
   */
  readonly deferSignature?: boolean;
  /**
   * Admit the transaction into the mempool: later checks see its effects. Without it, a dry run
   * that changes nothing (the REST pre-check before a CometBFT broadcast).
   */
  readonly admit?: boolean;
  /**
   * Stop after the checks that need no other pending transaction and the signature: a client
   * pipelining several transactions through CometBFT cannot be simulated before the ones ahead
   * of it reach the mempool, so CometBFT's own CheckTx simulates.
   */
  readonly precheckOnly?: boolean;
  /** CometBFT's recheck after a commit: a transaction admitted already stays admitted. */
  readonly recheck?: boolean;
}

export interface QueryRequest {
  readonly path: string;
  readonly data: string;
}

/** A query's answer at a committed height: its value, or the coded error that says why none. */
export interface QueryResponse {
  /** The committed height the answer reflects. */
  readonly height: number;
  readonly value?: Json;
  readonly error?: DevicechainError;
}

/** A block and its results, as announced after it is durable. */
export interface CommittedBlock {
  readonly block: StoredBlock;
  readonly results: readonly TxResult[];
}

/** Where committed blocks are announced: the "commit" event of a LedgerApp, and nothing else. */
export type CommitFeed = Pick<LedgerApp, "on" | "off">;

interface Pending {
  readonly request: FinalizeRequest;
  readonly results: readonly TxResult[];
  readonly prepared: PreparedState;
  readonly block: StoredBlock;
  readonly records: readonly TxRecord[];
}

const MAX_VERIFIED = 200_000;
/** A decoding is a few kB: this bounds the cache to some hundred MB at worst. */
const MAX_DECODINGS = 50_000;

/**
 * The ledger application behind an ABCI-shaped interface: info, initChain, checkTx,
 * finalizeBlock, commit and query. The embedded engine drives it in-process; the CometBFT engine
 * drives the same object from ABCI messages. finalizeBlock executes and hashes but persists
 * nothing; commit persists. Emits "commit" with a CommittedBlock once the block is on disk.
 */
export class LedgerApp extends EventEmitter<{
  commit: [CommittedBlock];
  /** A transaction refused admission, with its code. */
  refused: [ErrorCode];
}> {
  private pending: Pending | undefined;
  /** The committed state plus what the mempool admitted since; admission runs against it. */
  readonly mempool: Mempool;
  /** Hashes whose signatures this node already verified in checkTx; saves a verify per tx. */
  private readonly verified = new Set<string>();
  /**
   * Decodings by the SHA-256 of the bytes decoded. On CometBFT one transaction arrives as fresh
   * bytes many times on each node (the REST pre-check, CheckTx, a recheck after every block,
   * PrepareProposal or ProcessProposal, FinalizeBlock): it is parsed and canonicalised once.
   * Decoding is a pure function of the bytes, so a cached result is the result.
   */
  private readonly decodings = new Map<string, DecodedTx>();
  /**
   * The same by array identity, with the content key it was filed under: the embedded engine
   * passes one array from checkTx to commit, and then hashes it once, not at every step.
   */
  private readonly byArray = new WeakMap<Uint8Array, { d: DecodedTx; key: string }>();
  /** What the servers and ABCI Query read: committed state, and nonces past the mempool. */
  readonly reads: LedgerReads;
  /** What the EIR answer reads: each identifier's status and pairings, from the equipment index. */
  readonly equipment: EquipmentReads;

  private constructor(readonly store: LedgerStore) {
    super();
    this.mempool = new Mempool(store);
    this.reads = new LedgerReads(store, this.mempool);
    this.equipment = new EquipmentReads(store);
  }

  static open(path: string): LedgerApp {
    return new LedgerApp(LedgerStore.open(path));
  }

  get chainId(): string {
    return this.reads.chainId;
  }

  info(): { lastBlockHeight: number; lastBlockAppHash: string; lastBlockTime: number } {
    const last = this.store.last;
    return {
      lastBlockHeight: last.height,
      lastBlockAppHash: last.appHash,
      lastBlockTime: last.time,
    };
  }

  /** Write block 0 from the genesis file. Refuses a store that already holds a chain. */
  initChain(genesis: Genesis): { appHash: string } {
    if (this.store.initialized) {
      const chainId = this.chainId;
      if (chainId !== genesis.chainId) {
        throw makeError(
          "GENESIS_INVALID",
          `This data holds chain ${chainId}, not ${genesis.chainId}`,
        );
      }
      return { appHash: this.store.last.appHash };
    }
    const prepared = this.store.prepare(initChain(genesis));
    const header = {
      chainId: genesis.chainId,
      height: 0,
      time: Date.parse(genesis.genesisTime),
      prevHash: GENESIS_PREV_HASH,
      txRoot: txRoot([]),
      appHash: prepared.appHash,
      numTxs: 0,
    };
    this.store.commit(prepared, { hash: blockHash(header), header, txs: [] }, []);
    return { appHash: prepared.appHash };
  }

  /**
   * Mempool admission: the transaction is simulated against the committed state plus every
   * transaction admitted since, so what its block would refuse is refused here, with its code.
   * Never throws: failures come back coded, and a refusal changes nothing.
   */
  checkTx(bytes: Uint8Array, opts: CheckTxOptions = {}): CheckTxResponse {
    const defer = opts.deferSignature === true;
    const admit = opts.admit === true || defer;
    try {
      const d = this.decode(bytes);
      if (this.mempool.has(d.hash)) {
        // A recheck may ask again about a transaction admitted already; anyone else resubmits,
        // and a second copy must never be proposed.
        if (opts.recheck === true) return { hash: d.hash };
        throw makeError("TX_DUPLICATE");
      }
      const signer = d.tx.body.signer;
      let account: Account;
      try {
        account = precheckTx(this.mempool, this.chainId, d, this.mempool.pendingOf(signer));
      } catch (e) {
        if (!(defer && this.inFlightMayAdmit(d, e))) throw e;
        account = resolveAccount(this.mempool, signer);
      }
      if (admit) this.mempool.checkRoom(signer, account.member !== undefined);
      if (defer) {
        this.mempool.reserve(d);
        const signature = fromBase64Url(d.tx.sig) ?? new Uint8Array();
        const message = signingBytes(d.tx.body);
        return { hash: d.hash, signature: { keyId: signer, message, signature } };
      }
      // A signature this node verified already (the REST pre-check, then CometBFT's CheckTx and
      // its rechecks after every block) is not verified again.
      if (!this.verified.has(d.hash)) {
        checkSignature(d);
        this.signatureVerified(d.hash);
      }
      if (opts.precheckOnly !== true) this.simulate(d, admit);
      return { hash: d.hash };
    } catch (e) {
      return this.refusal(e);
    }
  }

  /**
   * The signature of a transaction held by checkTx({deferSignature}) verified: simulate it
   * against the mempool as it is now, and admit it or refuse it with its code.
   */
  admitTx(hash: string): CheckTxResponse {
    const d = this.mempool.release(hash);
    if (!d) return this.refusal(makeError("INTERNAL", "admitTx for a transaction not held"));
    try {
      this.signatureVerified(hash);
      this.simulate(d, true);
      return { hash };
    } catch (e) {
      return this.refusal(e);
    }
  }

  /** Give up the place of a transaction held by checkTx({deferSignature}), refused with `code`. */
  releaseTx(hash: string, code: ErrorCode): void {
    if (this.mempool.release(hash)) this.emit("refused", code);
  }

  /**
   * A refusal by role or by the outsider rule that a transaction still being verified may lift:
   * one that names this signer (admitting it, selling or offering it a device) or this device.
   * Its own simulation decides, after the ones before it; other keys' spam is refused at once.
   */
  private inFlightMayAdmit(d: DecodedTx, e: unknown): boolean {
    if (!isError(e, "ROLE_FORBIDDEN") && !isError(e, "ACCOUNT_UNKNOWN")) return false;
    if (this.mempool.mentionedInFlight(d.tx.body.signer)) return true;
    const device = (d.tx.body.params as { device?: unknown }).device;
    return typeof device === "string" && this.mempool.mentionedInFlight(device);
  }

  /** Run the transaction as the next block would, on top of the mempool; keep it if `admit`. */
  private simulate(d: DecodedTx, admit: boolean): void {
    const last = this.store.last;
    const { writes } = simulateTx(
      this.mempool,
      d,
      { height: last.height + 1, time: last.time },
      { signatureVerified: true },
    );
    if (admit) this.mempool.add(d.hash, d.tx.body.signer, writes);
  }

  private refusal(e: unknown): CheckTxResponse {
    const refusal = coded(e);
    this.emit("refused", refusal.code);
    return { hash: "", refusal };
  }

  private decode(bytes: Uint8Array): DecodedTx {
    const same = this.byArray.get(bytes);
    if (same) return same.d;
    const key = oneShotHash("sha256", bytes, "hex");
    let d = this.decodings.get(key);
    if (!d) {
      d = decodeTx(bytes);
      if (this.decodings.size >= MAX_DECODINGS) this.decodings.clear();
      this.decodings.set(key, d);
    }
    this.byArray.set(bytes, { d, key });
    return d;
  }

  /** Record that the signature of a transaction was verified, so its block skips the check. */
  signatureVerified(hash: string): void {
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
    this.verified.add(hash);
  }

  /**
   * The checks of a proposed block's transaction that need no state: canonical decoding, the
   * chain id and the signature (skipped when this node's mempool verified the same bytes).
   * Answers the refusal, or undefined when the transaction passes; never throws. Deterministic,
   * so every honest validator accepts or refuses a proposal alike.
   */
  checkProposalTx(bytes: Uint8Array): DevicechainError | undefined {
    try {
      const d = this.decode(bytes);
      checkChain(d, this.chainId);
      if (!this.verified.has(d.hash)) {
        checkSignature(d);
        this.signatureVerified(d.hash);
      }
      return undefined;
    } catch (e) {
      return coded(e);
    }
  }

  /** Execute a block and compute its app hash; nothing is persisted until commit. */
  finalizeBlock(request: FinalizeRequest): FinalizeResponse {
    const last = this.store.last;
    if (request.height !== last.height + 1) {
      throw makeError("INTERNAL", `Expected block ${last.height + 1}, got ${request.height}`);
    }
    const { results, writes } = executeBlock(this.store, request, {
      verifiedHashes: this.verified,
      decoded: (bytes) => this.decode(bytes),
    });
    const prepared = this.store.prepare(writes);
    const hashes = results.map((r) => r.hash);
    const header = {
      chainId: this.chainId,
      height: request.height,
      time: request.time,
      prevHash: last.blockHash,
      txRoot: txRoot(hashes),
      appHash: prepared.appHash,
      numTxs: results.length,
    };
    const block: StoredBlock = { hash: blockHash(header), header, txs: hashes };
    const records = results.map((r, index): TxRecord => {
      const raw = request.txs[index]!;
      return {
        hash: r.hash,
        height: request.height,
        index,
        code: r.code,
        codeName: r.codeName,
        log: r.log,
        events: r.events as unknown as Json,
        ...(r.data === undefined ? {} : { data: r.data as Json }),
        tx: (this.byArray.get(raw)?.d.tx as unknown as Json | undefined) ?? safeTxJson(raw),
      };
    });
    this.pending = { request, results, prepared, block, records };
    return { txResults: results, appHash: prepared.appHash };
  }

  /**
   * Persist the finalized block atomically, then announce it once it is flushed to disk. With
   * `sign` (the embedded engine's node key), the header's signature is stored with the block.
   */
  async commit(sign?: HeaderSigner): Promise<CommittedBlock> {
    const p = this.pending;
    if (!p) throw makeError("INTERNAL", "commit without finalizeBlock");
    this.pending = undefined;
    const block: StoredBlock = sign ? { ...p.block, signature: sign(p.block.header) } : p.block;
    this.store.commit(p.prepared, block, p.records);
    this.mempool.removeCommitted(p.block.txs);
    for (const h of p.block.txs) this.verified.delete(h);
    for (const raw of p.request.txs) {
      const filed = this.byArray.get(raw);
      if (filed) this.decodings.delete(filed.key);
    }
    await this.store.flushed();
    const committed = { block, results: p.results };
    // A subscriber's failure is not the ledger's: the block is committed whatever a listener does.
    for (const listener of this.listeners("commit")) {
      try {
        listener(committed);
      } catch (e) {
        process.emitWarning(
          `A commit listener failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    return committed;
  }

  getBlock(height: number): StoredBlock | undefined {
    return this.store.getBlock(height);
  }

  getTx(hash: string): TxRecord | undefined {
    return this.store.getTx(hash);
  }

  /**
   * ABCI-shaped Query over committed state, through the read service. Paths: `device` (data:
   * any identifier), `equipment-status` (data: a PEI or identifier), `account` (data: a key id),
   * `member` (data: a member id), `tx` (data: a hash), `block` (data: a height). Never throws:
   * an unknown path or missing entry comes back coded, as the REST API codes it.
   */
  query(request: QueryRequest): QueryResponse {
    const height = this.store.last.height;
    try {
      return { height, value: this.queryValue(request.path, request.data) };
    } catch (e) {
      return { height, error: coded(e) };
    }
  }

  private queryValue(path: string, data: string): Json {
    const reads = this.reads;
    switch (path) {
      case "device":
        return reads.device(data) as unknown as Json;
      case "equipment-status": {
        // A PEI (imei-…, mac-…) or any identifier, read as the network sends it.
        const id = parseIdentifier(data, "network");
        const status = this.equipment.status(id.key);
        if (status === undefined) throw makeError("DEVICE_UNKNOWN");
        return { status };
      }
      case "account":
        return reads.accountInfo(data) as unknown as Json;
      case "member":
        return reads.member(data) as unknown as Json;
      case "tx":
        return reads.tx(data) as unknown as Json;
      case "block":
        return reads.block(data) as unknown as Json;
      default:
        throw makeError("REQUEST_BAD_PARAMS", `Unknown query path ${path}`);
    }
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

/** Any failure as a coded error; one that is not coded is a bug, answered as INTERNAL. */
function coded(e: unknown): DevicechainError {
  return isError(e) ? e : new DevicechainError("INTERNAL", "Unexpected failure", { cause: e });
}

function safeTxJson(raw: Uint8Array): Json {
  try {
    return decodeTx(raw).tx as unknown as Json;
  } catch {
    return toHex(raw);
  }
}
