/**
 * The ownership check without identity: a buyer makes a fresh random challenge, the seller signs
 * it with the device's owner key, and a node says whether that key owns the device now. The
 * signed bytes carry their own domain tag and name the chain and the device's primary registry
 * key, so a proof is never usable as a transaction, a consent, or for another device or chain.
 * Pure: the node, the CLI and the SDK all sign and check these exact bytes.
 */
import { isKeyId, type Signer, verifyEd25519 } from "../crypto/ed25519.js";
import { fromBase64Url, toBase64Url, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";

/** A challenge is exactly this many random bytes (unpadded base64url: 43 characters). */
export const CHALLENGE_BYTES = 32;

/** What a seller's signature covers. */
export interface OwnershipStatement {
  readonly chain: string;
  /** The device's primary registry key (its record's `id`, e.g. `imei:35693803564380`). */
  readonly device: string;
  /** The buyer's challenge, unpadded base64url. */
  readonly challenge: string;
}

/** What the seller hands the buyer: the statement's device and challenge, the key and its signature. */
export interface OwnershipProof {
  readonly device: string;
  readonly challenge: string;
  /** The key the seller claims owns the device: an Ed25519 key id. */
  readonly key: string;
  /** Ed25519 over ownershipSigningBytes, unpadded base64url. */
  readonly signature: string;
}

/** The domain tag: an ownership proof can never pass for a transaction's or a header's signature. */
const DOMAIN = "devicechain/ownership-proof/v1\n";

/** The exact bytes a seller signs: the domain tag, then RFC 8785 canonical {chain, challenge, device}. */
export function ownershipSigningBytes(s: OwnershipStatement): Uint8Array {
  return utf8(DOMAIN + canonicalize({ chain: s.chain, challenge: s.challenge, device: s.device }));
}

/** The challenge's bytes, or OWNERSHIP_CHALLENGE_INVALID unless it is 32 bytes in base64url. */
export function parseChallenge(challenge: unknown): Uint8Array {
  const bytes = typeof challenge === "string" ? fromBase64Url(challenge) : undefined;
  if (bytes?.length !== CHALLENGE_BYTES) {
    throw makeError("OWNERSHIP_CHALLENGE_INVALID");
  }
  return bytes;
}

/** A challenge from 32 random bytes the caller drew (core draws no randomness itself). */
export function encodeChallenge(random: Uint8Array): string {
  if (random.length !== CHALLENGE_BYTES) throw makeError("OWNERSHIP_CHALLENGE_INVALID");
  return toBase64Url(random);
}

/** The seller's side: sign the buyer's challenge for this chain and device with the owner key. */
export function proveOwnership(signer: Signer, s: OwnershipStatement): OwnershipProof {
  parseChallenge(s.challenge);
  const signature = toBase64Url(signer.sign(ownershipSigningBytes(s)));
  return { device: s.device, challenge: s.challenge, key: signer.keyId, signature };
}

/**
 * Check that `key` signed the statement; the checks in order: the challenge is 32 bytes
 * (OWNERSHIP_CHALLENGE_INVALID), the key is a key id (REQUEST_BAD_PARAMS), and the signature
 * verifies over these exact chain, device and challenge (OWNERSHIP_PROOF_INVALID). Whether the
 * key owns the device is the caller's question, answered only once this holds, so that "not the
 * owner" is never mistaken for "forged".
 */
export function verifyOwnershipSignature(
  s: OwnershipStatement,
  key: unknown,
  signature: unknown,
): void {
  parseChallenge(s.challenge);
  if (typeof key !== "string" || !isKeyId(key)) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      "key must be an Ed25519 key id (43 base64url characters)",
    );
  }
  const sig = typeof signature === "string" ? fromBase64Url(signature) : undefined;
  if (sig === undefined || !verifyEd25519(key, ownershipSigningBytes(s), sig)) {
    throw makeError("OWNERSHIP_PROOF_INVALID");
  }
}
