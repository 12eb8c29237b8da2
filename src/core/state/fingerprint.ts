import { sha256 } from "../crypto/hash.js";
import { fromBase64Url, toHex } from "../encoding/bytes.js";

/** A short public fingerprint of a key id: the first 8 bytes of SHA-256 of the raw key, hex. */
export function keyFingerprint(keyId: string): string {
  const raw = fromBase64Url(keyId) ?? new Uint8Array();
  return toHex(sha256(raw).subarray(0, 8));
}
