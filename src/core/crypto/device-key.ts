import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { concatBytes, fromBase64Url, toBase64Url } from "../encoding/bytes.js";
import { makeError } from "../errors/devicechain-error.js";
import { isKeyId, verifyEd25519 } from "./ed25519.js";

/**
 * A device's public key: Ed25519, or ECDSA P-256 (what secure elements, GSMA IoT SAFE applets and
 * Android Keystore hold). Text form, in the device record and in tx params:
 * - Ed25519: the bare key id (43 base64url characters, 32 raw bytes), as records always held;
 *   `ed25519:<key id>` is accepted on input and stored bare;
 * - P-256: `p256:<base64url SEC1 point>`, compressed (33 bytes) or uncompressed (65) on input,
 *   stored compressed so one key has one text.
 */
export type DeviceKey =
  | { readonly kind: "ed25519"; readonly text: string }
  | { readonly kind: "p256"; readonly text: string; readonly key: KeyObject };

const P256_PREFIX = "p256:";
const ED25519_PREFIX = "ed25519:";
/** Longest accepted text: `p256:` and 65 bytes of base64url (87 characters). */
export const MAX_DEVICE_KEY_TEXT = 100;

// SubjectPublicKeyInfo headers (RFC 5480): id-ecPublicKey, prime256v1, then the SEC1 point.
const SPKI_P256_UNCOMPRESSED = Uint8Array.from(
  Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"),
);
const SPKI_P256_COMPRESSED = Uint8Array.from(
  Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex"),
);

const p256Keys = new Map<string, DeviceKey>();
const MAX_CACHED_KEYS = 100_000;

function refuse(message: string): never {
  throw makeError("DEVICE_KEY_INVALID", message);
}

/** Parse a device key's text; DEVICE_KEY_INVALID for anything but the two forms above. */
export function parseDeviceKey(text: unknown): DeviceKey {
  if (typeof text !== "string" || text.length > MAX_DEVICE_KEY_TEXT) refuse("A key is a string");
  if (text.startsWith(P256_PREFIX)) {
    // Building the key object costs more than the signature check: keep recent ones.
    const cached = p256Keys.get(text);
    if (cached) return cached;
    const key = parseP256(text.slice(P256_PREFIX.length));
    if (p256Keys.size >= MAX_CACHED_KEYS) p256Keys.clear();
    p256Keys.set(text, key);
    return key;
  }
  const id = text.startsWith(ED25519_PREFIX) ? text.slice(ED25519_PREFIX.length) : text;
  if (!isKeyId(id)) refuse("An Ed25519 key is 32 bytes in unpadded base64url");
  return { kind: "ed25519", text: id };
}

function parseP256(encoded: string): DeviceKey {
  const point = fromBase64Url(encoded);
  const header =
    point?.length === 65 && point[0] === 0x04
      ? SPKI_P256_UNCOMPRESSED
      : point?.length === 33 && (point[0] === 0x02 || point[0] === 0x03)
        ? SPKI_P256_COMPRESSED
        : undefined;
  if (point === undefined || header === undefined) refuse("A P-256 key is a SEC1 point");
  let key: KeyObject;
  try {
    // OpenSSL checks the point is on the curve, so a refusal here is a malformed key.
    key = createPublicKey({
      key: Buffer.from(concatBytes(header, point)),
      format: "der",
      type: "spki",
    });
  } catch {
    refuse("The P-256 point is not on the curve");
  }
  return { kind: "p256", text: `${P256_PREFIX}${toBase64Url(compressedPoint(key))}`, key };
}

/** The 33-byte SEC1 compressed form of a P-256 public key. */
function compressedPoint(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: "jwk" });
  const x = fromBase64Url(jwk.x ?? "");
  const y = fromBase64Url(jwk.y ?? "");
  if (x?.length !== 32 || y?.length !== 32) refuse("A P-256 key has 32-byte coordinates");
  return concatBytes(Uint8Array.of(0x02 | ((y[31] ?? 0) & 1)), x);
}

/** The canonical text of a device key: what the ledger stores. */
export function deviceKeyText(text: unknown): string {
  return parseDeviceKey(text).text;
}

/** A device key's text for a node:crypto public key (Ed25519 or P-256), e.g. a certificate's. */
export function deviceKeyFromKeyObject(key: KeyObject): DeviceKey {
  if (key.asymmetricKeyType === "ed25519") {
    const x = key.export({ format: "jwk" }).x ?? "";
    return parseDeviceKey(x);
  }
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    return { kind: "p256", text: `${P256_PREFIX}${toBase64Url(compressedPoint(key))}`, key };
  }
  refuse("A device key is Ed25519 or ECDSA P-256");
}

/**
 * Verify a device's signature over `message`; false (never a throw) for a bad signature.
 * Ed25519: the 64-byte RFC 8032 signature. P-256: ECDSA with SHA-256, as IEEE P1363 `r ‖ s`
 * (64 bytes): fixed-length, one encoding per signature, what PKCS#11 and IoT SAFE applets return;
 * a device whose API gives ASN.1 DER (Android Keystore's SHA256withECDSA) converts before sending.
 */
export function verifyDeviceSignature(
  key: DeviceKey,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (key.kind === "ed25519") return verifyEd25519(key.text, message, signature);
  if (signature.length !== 64) return false;
  try {
    return verify("sha256", message, { key: key.key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}
