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

export function checkNonce(state: StateReader, d: DecodedTx, account: Account): void {
  const last = lastNonce(state, account.keyId);
  if (d.tx.body.nonce <= last) {
    throw makeError("TX_NONCE_REPLAYED", `Nonce ${d.tx.body.nonce} is not above ${last}`, {
      data: { lastNonce: last },
    });
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

/** Run the whole pipeline and return the signing account. */
export function verifyTx(
  state: StateReader,
  chainId: string,
  d: DecodedTx,
  opts: VerifyOptions = {},
): Account {
  if (!opts.signatureVerified) checkSignature(d);
  checkChain(d, chainId);
  const account = resolveAccount(state, d.tx.body.signer);
  checkNonce(state, d, account);
  checkStanding(account);
  checkRole(d, account);
  return account;
}
