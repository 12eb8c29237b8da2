import { sha256 } from "../crypto/hash.js";
import { toHex } from "../encoding/bytes.js";
import { ERRORS, type ErrorCode } from "../errors/catalogue.js";
import {
  DevicechainError,
  type ErrorData,
  isError,
  makeError,
} from "../errors/devicechain-error.js";
import { readChain } from "../state/chain.js";
import { nonceKey } from "../state/keys.js";
import { Overlay } from "../state/overlay.js";
import type { StateReader, StateWrites } from "../state/state.js";
import { type DecodedTx, decodeTx } from "../tx/transaction.js";
import { txDefinition } from "./registry.js";
import type { TxContext, TxEvent } from "./tx-context.js";
import { type VerifyOptions, verifyAuthentic, verifyAuthorized, verifyTx } from "./verify.js";

/**
 * The outcome of one transaction: code 0 and events, or a catalogue code and nothing changed but,
 * for an authentic transaction, its spent nonce.
 */
export interface TxResult {
  readonly hash: string;
  readonly code: number;
  readonly codeName: "OK" | ErrorCode;
  readonly log: string;
  readonly events: readonly TxEvent[];
  readonly data?: ErrorData;
}

export interface BlockInput {
  readonly height: number;
  /** Block time from the engine (ms since epoch); the state machine never reads a clock. */
  readonly time: number;
  readonly txs: readonly Uint8Array[];
}

export interface BlockOutcome {
  readonly results: readonly TxResult[];
  readonly writes: StateWrites;
}

export interface ExecuteOptions {
  /** Hashes whose signatures were verified already, e.g. by this node's mempool. */
  readonly verifiedHashes?: ReadonlySet<string>;
  /** The decoding of these exact bytes, if the caller has it already (e.g. from checkTx). */
  readonly decoded?: (bytes: Uint8Array) => DecodedTx | undefined;
}

/** A failure as a result; anything uncoded is a bug and is reported as INTERNAL. */
export function failure(hash: string, e: unknown): TxResult {
  const err = isError(e) ? e : new DevicechainError("INTERNAL", "Unexpected failure", { cause: e });
  return {
    hash,
    code: ERRORS[err.code].abci,
    codeName: err.code,
    log: err.message,
    events: [],
    ...(err.data === undefined ? {} : { data: err.data }),
  };
}

function requireChainId(state: StateReader): string {
  const chain = readChain(state);
  if (!chain)
    throw makeError("GENESIS_INVALID", "The state has no chain record: init the chain first");
  return chain.chainId;
}

/**
 * Execute one decoded transaction against a block overlay. On failure the overlay keeps only the
 * spent nonce, and only when the transaction was authentic (its signer's, for this chain, with a
 * fresh nonce): as in Cosmos SDK and Ethereum, the same bytes can never run later.
 */
function executeTx(
  block: Overlay,
  chainId: string,
  d: DecodedTx,
  input: Pick<BlockInput, "height" | "time">,
  opts: ExecuteOptions,
): TxResult {
  const overlay = new Overlay(block);
  let spent = false;
  try {
    const signer = verifyAuthentic(overlay, chainId, d, {
      signatureVerified: opts.verifiedHashes?.has(d.hash) ?? false,
    });
    spent = true;
    verifyAuthorized(d, signer);
    const action = txDefinition(d.tx.body.type);
    const params = action.parse(d.tx.body.params, signer);
    const ctx: TxContext = {
      state: overlay,
      signer,
      height: input.height,
      time: input.time,
      txHash: d.hash,
      events: [],
    };
    action.apply(ctx, params);
    overlay.put(nonceKey(signer.keyId), d.tx.body.nonce);
    overlay.mergeInto(block);
    return { hash: d.hash, code: 0, codeName: "OK", log: "", events: ctx.events };
  } catch (e) {
    // Damage local to this node (corrupt or failing storage) is no transaction's fault: recording
    // it as a result would commit a block other nodes disagree with. Halt the block instead.
    if (isError(e, "LEDGER_CORRUPT") || isError(e, "STORAGE_FAILED")) throw e;
    if (spent) block.put(nonceKey(d.tx.body.signer), d.tx.body.nonce);
    return failure(d.hash, e);
  }
}

/** What a transaction would do if the next block held it now: its writes, or a coded error. */
export interface Simulation {
  readonly writes: StateWrites;
}

/**
 * Run one transaction against `state` as the next block would (height, time), without keeping
 * anything: the mempool's admission test. Throws the coded error the block would record.
 */
export function simulateTx(
  state: StateReader,
  d: DecodedTx,
  at: Pick<BlockInput, "height" | "time">,
  opts: VerifyOptions = {},
): Simulation {
  const overlay = new Overlay(state);
  const signer = verifyTx(overlay, requireChainId(state), d, opts);
  const action = txDefinition(d.tx.body.type);
  const params = action.parse(d.tx.body.params, signer);
  action.apply(
    { state: overlay, signer, height: at.height, time: at.time, txHash: d.hash, events: [] },
    params,
  );
  overlay.put(nonceKey(signer.keyId), d.tx.body.nonce);
  return { writes: overlay.writes };
}

/**
 * Execute a block's transactions in order. Pure: the state is only read, and the writes come
 * back for the ledger to hash and persist. Same state and block in, same results and writes out.
 */
export function executeBlock(
  state: StateReader,
  input: BlockInput,
  opts: ExecuteOptions = {},
): BlockOutcome {
  const chainId = requireChainId(state);
  const block = new Overlay(state);
  const results = input.txs.map((bytes) => {
    let d: DecodedTx;
    try {
      d = opts.decoded?.(bytes) ?? decodeTx(bytes);
    } catch (e) {
      return failure(toHex(sha256(bytes)), e);
    }
    return executeTx(block, chainId, d, input, opts);
  });
  return { results, writes: block.writes };
}

/**
 * Mempool admission: decode, and every check that needs no other pending transaction
 * (signature, chain, nonce, standing, role, params). Relations such as ownership are checked
 * at execution, because an earlier transaction in the same block may establish them.
 */
export function checkTx(
  state: StateReader,
  bytes: Uint8Array,
  opts: VerifyOptions = {},
): DecodedTx {
  const d = decodeTx(bytes);
  checkDecodedTx(state, d, opts);
  return d;
}

/** checkTx on a transaction decoded already. */
export function checkDecodedTx(state: StateReader, d: DecodedTx, opts: VerifyOptions = {}): void {
  const signer = verifyTx(state, requireChainId(state), d, opts);
  txDefinition(d.tx.body.type).parse(d.tx.body.params, signer);
}
