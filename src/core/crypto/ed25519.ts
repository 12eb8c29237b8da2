import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { concatBytes, fromBase64Url, toBase64Url } from "../encoding/bytes.js";

/** Signs bytes with a held private key and names its public key. */
export interface Signer {
  /** The Ed25519 public key as unpadded base64url (43 characters): the signer's key id. */
  readonly keyId: string;
  sign(message: Uint8Array): Uint8Array;
}

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI / PKCS#8 for node:crypto (RFC 8410).
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

const publicKeys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 100_000;

/** The public key object for a key id, or undefined if the id is not a 32-byte key. */
function publicKeyFor(keyId: string): KeyObject | undefined {
  let key = publicKeys.get(keyId);
  if (key) return key;
  const raw = fromBase64Url(keyId);
  if (raw?.length !== 32) return undefined;
  key = createPublicKey({
    key: Buffer.from(concatBytes(SPKI_PREFIX, raw)),
    format: "der",
    type: "spki",
  });
  if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear();
  publicKeys.set(keyId, key);
  return key;
}

/**
 * True if `keyId` is a well-formed key id: 43 base64url characters that decode to 32 bytes.
 * A format check only: building a key object costs more than a signature check, and a key that is
 * not a curve point is harmless, because no signature will ever verify under it.
 */
export function isKeyId(keyId: string): boolean {
  return keyId.length === 43 && fromBase64Url(keyId)?.length === 32;
}

/** Verify an Ed25519 signature; false for a malformed key or signature, never a throw. */
export function verifyEd25519(keyId: string, message: Uint8Array, signature: Uint8Array): boolean {
  const key = publicKeyFor(keyId);
  if (!key || signature.length !== 64) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** A signer from a raw 32-byte Ed25519 seed. */
export function signerFromSeed(seed: Uint8Array): Signer {
  if (seed.length !== 32) throw new RangeError("An Ed25519 seed is 32 bytes");
  const privateKey = createPrivateKey({
    key: Buffer.from(concatBytes(PKCS8_PREFIX, seed)),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const keyId = toBase64Url(new Uint8Array(spki.subarray(SPKI_PREFIX.length)));
  return { keyId, sign: (message) => new Uint8Array(sign(null, message, privateKey)) };
}
