/**
 * Keys and signed transactions for every test: deterministic signers by name, one way to sign a
 * transaction, and nonces tracked per signer by a tracker each test (or describe) owns. Nothing
 * here is shared between tests: a module-level nonce counter would make a test depend on the ones
 * that ran before it.
 */
import { type Signer, signerFromSeed } from "../../src/core/crypto/ed25519.js";
import { sha256 } from "../../src/core/crypto/hash.js";
import { utf8 } from "../../src/core/encoding/bytes.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import { encodeTx, type SignedTx, signTx } from "../../src/core/tx/transaction.js";
import type { TxType } from "../../src/core/tx/tx-type.js";

/** The chain id of every test chain: unit chains in memory, e2e nodes and the crash test. */
export const TEST_CHAIN = "devicechain-test";

/** The seed of the test key called `name`: the same key in every test and every run. */
export const testSeed = (name: string): Uint8Array => sha256(utf8(`test:${name}`));

/** The test signer called `name`. */
export const testSigner = (name: string): Signer => signerFromSeed(testSeed(name));

/** A transaction signed by `signer` with an explicit nonce, for the test chain by default. */
export function signed(
  signer: Signer,
  nonce: number,
  type: TxType,
  params: JsonObject,
  chain = TEST_CHAIN,
): SignedTx {
  return signTx(signer, { chain, signer: signer.keyId, nonce, type, params });
}

/** The same, as the canonical bytes an engine or LedgerApp takes. */
export const signedBytes = (
  signer: Signer,
  nonce: number,
  type: TxType,
  params: JsonObject,
  chain = TEST_CHAIN,
): Uint8Array => encodeTx(signed(signer, nonce, type, params, chain));

/**
 * The nonces one test has used, per signer: `next` hands out the one after the last. Make one
 * per test (or per describe whose tests share a chain); when a chain can say its next nonce (an
 * e2e node's GET /v1/accounts/{key}), ask the chain instead.
 */
export class NonceTracker {
  private readonly used = new Map<string, number>();

  /** The signer's next nonce, counted as used. */
  next(signer: Signer): number {
    const n = this.last(signer) + 1;
    this.used.set(signer.keyId, n);
    return n;
  }

  /** The last nonce handed out for the signer (0 before the first). */
  last(signer: Signer): number {
    return this.used.get(signer.keyId) ?? 0;
  }
}
