import { verifyEd25519 } from "../crypto/ed25519.js";
import { fromBase64Url } from "../encoding/bytes.js";
import { makeError } from "../errors/devicechain-error.js";
import { nonceKey } from "../state/keys.js";
import type { StateReader } from "../state/state.js";
import { type DecodedTx, signingBytes } from "../tx/transaction.js";
import { type Account, resolveAccount } from "./account.js";
import { roleMaySign } from "./authorization.js";

/**
 * The verification pipeline, in order: signature → chain → nonce → member standing → role.
 * Each step is pure and fails with its own code. Decoding (step 0) happened in decodeTx.
 */
export function checkSignature(d: DecodedTx): void {
  const sig = fromBase64Url(d.tx.sig);
  if (!sig || !verifyEd25519(d.tx.body.signer, signingBytes(d.tx.body), sig)) {
    throw makeError("TX_BAD_SIGNATURE");
  }
}

export function checkChain(d: DecodedTx, chainId: string): void {
  if (d.tx.body.chain !== chainId) {
    throw makeError("TX_WRONG_CHAIN", `Signed for ${d.tx.body.chain}, this is ${chainId}`);
  }
}

/** The last nonce a key signed with, 0 if none. */
export function lastNonce(state: StateReader, keyId: string): number {
  const n = state.get(nonceKey(keyId));
  return typeof n === "number" ? n : 0;
}

/**
 * How far above its last nonce a key may sign: room to pipeline transactions, never a jump that
 * would brick the key (a nonce near 2^53 leaves nothing above it). A skipped nonce is lost.
 */
export const NONCE_WINDOW = 16;

/**
 * The nonce is above the key's last one, by at most NONCE_WINDOW. A mempool may allow `slack`
 * more, for the signer's transactions it holds whose nonces `state` does not show yet.
 */
export function checkNonce(state: StateReader, d: DecodedTx, account: Account, slack = 0): void {
  const last = lastNonce(state, account.keyId);
  const nonce = d.tx.body.nonce;
  if (nonce <= last) {
    throw makeError("TX_NONCE_REPLAYED", `Nonce ${nonce} is not above ${last}`, {
      data: { lastNonce: last },
    });
  }
  if (nonce > last + NONCE_WINDOW + slack) {
    throw makeError(
      "TX_NONCE_TOO_HIGH",
      `Nonce ${nonce} is more than ${NONCE_WINDOW} above the last nonce ${last}`,
      { data: { lastNonce: last } },
    );
  }
}

export function checkStanding(account: Account): void {
  if (account.member?.status === "suspended") throw makeError("MEMBER_SUSPENDED");
}

export function checkRole(d: DecodedTx, account: Account): void {
  if (!roleMaySign(d.tx.body.type, account.role)) {
    throw makeError("ROLE_FORBIDDEN", `The role ${account.role} may not sign ${d.tx.body.type}`);
  }
}

export interface VerifyOptions {
  /** Skip the signature check: the caller verified these exact bytes already (mempool cache). */
  readonly signatureVerified?: boolean;
}

/**
 * The authentic part of the pipeline: signature, chain and nonce. A transaction past it is the
 * signer's own, meant for this chain and fresh, so its nonce is spent whatever follows.
 */
export function verifyAuthentic(
  state: StateReader,
  chainId: string,
  d: DecodedTx,
  opts: VerifyOptions = {},
): Account {
  if (!opts.signatureVerified) checkSignature(d);
  checkChain(d, chainId);
  const account = resolveAccount(state, d.tx.body.signer);
  checkNonce(state, d, account);
  return account;
}

/** The rest of the pipeline, once the transaction is authentic: standing, then role. */
export function verifyAuthorized(d: DecodedTx, account: Account): void {
  checkStanding(account);
  checkRole(d, account);
}

/** Run the whole pipeline and return the signing account. */
export function verifyTx(
  state: StateReader,
  chainId: string,
  d: DecodedTx,
  opts: VerifyOptions = {},
): Account {
  const account = verifyAuthentic(state, chainId, d, opts);
  verifyAuthorized(d, account);
  return account;
}
