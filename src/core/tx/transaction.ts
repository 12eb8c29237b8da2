import type { Signer } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { fromBase64Url, toBase64Url, toHex, utf8 } from "../encoding/bytes.js";
import {
  canonicalBytes,
  canonicalize,
  type JsonObject,
  parseJsonBytes,
} from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";
import { isTxType, type TxType } from "./tx-type.js";

/** The largest encoded transaction accepted (CometBFT's default mempool max_tx_bytes). */
export const MAX_TX_BYTES = 1_048_576;

/** What a signer signs. */
export interface TxBody {
  /** Chain id: a signature for one chain is worthless on another. */
  readonly chain: string;
  /** The signer's Ed25519 public key, base64url: the key id. */
  readonly signer: string;
  /** Per-signer, strictly increasing: a replayed or reordered-back transaction is refused. */
  readonly nonce: number;
  readonly type: TxType;
  readonly params: JsonObject;
}

export interface SignedTx {
  readonly body: TxBody;
  /** Ed25519 signature over signingBytes(body), base64url. */
  readonly sig: string;
}

/** A transaction that decoded and is in canonical form; not yet verified. */
export interface DecodedTx {
  readonly tx: SignedTx;
  /** The canonical encoding, as stored in blocks. */
  readonly bytes: Uint8Array;
  /** SHA-256 of the canonical encoding, hex: the transaction's name everywhere. */
  readonly hash: string;
}

const DOMAIN = "devicechain/tx/v1\n";

/** The exact bytes a signature covers: a domain tag, then the canonical body. */
export function signingBytes(body: TxBody): Uint8Array {
  return utf8(DOMAIN + canonicalize(body));
}

/** Sign a body with a held key. The signer field must name that key. */
export function signTx(signer: Signer, body: TxBody): SignedTx {
  if (body.signer !== signer.keyId) throw new RangeError("body.signer must be the signer's key id");
  return { body, sig: toBase64Url(signer.sign(signingBytes(body))) };
}

/** Canonical bytes of a signed transaction. */
export function encodeTx(tx: SignedTx): Uint8Array {
  return canonicalBytes(tx);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function hasExactly(o: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(o);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(o, k));
}

/** Check the shape of a parsed value and return it as a transaction (step 1 of verification). */
export function toSignedTx(value: unknown): SignedTx {
  if (!isPlainObject(value) || !hasExactly(value, ["body", "sig"])) {
    throw makeError("TX_MALFORMED", "A transaction is {body, sig}");
  }
  const { body, sig } = value;
  if (typeof sig !== "string" || fromBase64Url(sig)?.length !== 64) {
    throw makeError("TX_MALFORMED", "sig must be a 64-byte signature in base64url");
  }
  if (!isPlainObject(body) || !hasExactly(body, ["chain", "signer", "nonce", "type", "params"])) {
    throw makeError("TX_MALFORMED", "body is {chain, signer, nonce, type, params}");
  }
  if (typeof body.chain !== "string" || body.chain.length === 0 || body.chain.length > 64) {
    throw makeError("TX_MALFORMED", "body.chain must be a chain id");
  }
  if (typeof body.signer !== "string" || body.signer.length !== 43) {
    throw makeError("TX_MALFORMED", "body.signer must be an Ed25519 key id (43 base64url chars)");
  }
  if (!Number.isSafeInteger(body.nonce) || (body.nonce as number) < 1) {
    throw makeError("TX_MALFORMED", "body.nonce must be a positive integer");
  }
  if (typeof body.type !== "string") throw makeError("TX_MALFORMED", "body.type must be a string");
  if (!isTxType(body.type)) throw makeError("TX_UNKNOWN_TYPE", `Unknown type ${body.type}`);
  if (!isPlainObject(body.params)) throw makeError("TX_MALFORMED", "body.params must be an object");
  return value as unknown as SignedTx;
}

/** A signed transaction's hash, as the ledger names it: SHA-256 of its canonical bytes, hex. */
export function txHash(tx: SignedTx): string {
  return toHex(sha256(encodeTx(tx)));
}

/** Decode bytes into a canonical transaction, enforcing the size limit first. */
export function decodeTx(bytes: Uint8Array): DecodedTx {
  if (bytes.length > MAX_TX_BYTES) {
    throw makeError("TX_TOO_LARGE", `${bytes.length} bytes is over the ${MAX_TX_BYTES} limit`);
  }
  return fromValue(parseJsonBytes(bytes));
}

/** Decode an already-parsed JSON value (e.g. an HTTP body) into a canonical transaction. */
export function fromValue(value: unknown): DecodedTx {
  const tx = toSignedTx(value);
  const bytes = encodeTx(tx);
  if (bytes.length > MAX_TX_BYTES) {
    throw makeError("TX_TOO_LARGE", `${bytes.length} bytes is over the ${MAX_TX_BYTES} limit`);
  }
  return { tx, bytes, hash: toHex(sha256(bytes)) };
}
