/**
 * Device attestation by challenge and response: a verifier asks a node for a fresh challenge
 * bound to a device, a purpose and the chain; the device signs it with its device key (Ed25519 or
 * P-256, from the ledger or from a certificate chain to its manufacturer's root); anyone checks the
 * signature here. The signed bytes carry their own domain tag, so an attestation is never usable
 * as a transaction, an ownership proof or a consent. Pure: the node, the SDK and a device agree.
 */
import { verifyAttestationChain } from "../crypto/attestation-chain.js";
import { type DeviceKey, parseDeviceKey, verifyDeviceSignature } from "../crypto/device-key.js";
import { fromBase64Url, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";
import type { Device } from "../state/device.js";

/** What a device's signature covers. */
export interface AttestationStatement {
  readonly chain: string;
  /** The device's primary registry key (its record's `id`). */
  readonly device: string;
  /** Why the verifier asks (e.g. `pairing`, `resale`): 1-32 of a-z 0-9 . _ -. */
  readonly purpose: string;
  /** The node's challenge: 32 random bytes, unpadded base64url. */
  readonly challenge: string;
}

const DOMAIN = "devicechain/device-attestation/v1\n";
const PURPOSE = /^[a-z0-9._-]{1,32}$/;
/** A signature is 64 bytes for both kinds: 86 base64url characters. */
const MAX_SIGNATURE_TEXT = 88;

/** The purpose, or ATTESTATION_PURPOSE_INVALID. */
export function parsePurpose(purpose: unknown): string {
  if (typeof purpose !== "string" || !PURPOSE.test(purpose)) {
    throw makeError("ATTESTATION_PURPOSE_INVALID");
  }
  return purpose;
}

/** The exact bytes a device signs: the domain tag, then RFC 8785 {chain, challenge, device, purpose}. */
export function attestationSigningBytes(s: AttestationStatement): Uint8Array {
  return utf8(
    DOMAIN +
      canonicalize({
        chain: s.chain,
        challenge: s.challenge,
        device: s.device,
        purpose: s.purpose,
      }),
  );
}

export interface AttestationCheck {
  readonly statement: AttestationStatement;
  /** The device's signature over attestationSigningBytes, unpadded base64url. */
  readonly signature: unknown;
  /** A certificate chain (leaf first) to present instead of the key on the ledger. */
  readonly certificates?: unknown;
  /** The device's record, as committed. */
  readonly device: Device;
  /** Its manufacturer's attestation roots (base64 DER). */
  readonly roots: readonly string[];
  /** The verifier's time for the certificates' validity, ms since the epoch. */
  readonly now: number;
}

export interface AttestationResult {
  readonly result: "genuine";
  /** Where the key came from: the device record, or a certificate chain to a registered root. */
  readonly via: "ledger" | "certificate";
  /** The key that signed, in its canonical text. */
  readonly key: string;
}

/**
 * Check a device's answer: the key (its chain's leaf if a chain is given, else its record's), then
 * the signature. DEVICE_NO_KEY, ATTESTATION_CHAIN_*, or ATTESTATION_BAD_SIGNATURE.
 */
export function verifyAttestation(c: AttestationCheck): AttestationResult {
  let key: DeviceKey;
  let via: AttestationResult["via"];
  if (c.certificates !== undefined) {
    key = verifyAttestationChain({
      chain: c.certificates,
      deviceIds: c.device.ids,
      roots: c.roots,
      now: c.now,
    });
    via = "certificate";
  } else {
    if (c.device.deviceKey === undefined) throw makeError("DEVICE_NO_KEY");
    key = parseDeviceKey(c.device.deviceKey);
    via = "ledger";
  }
  const sig =
    typeof c.signature === "string" && c.signature.length <= MAX_SIGNATURE_TEXT
      ? fromBase64Url(c.signature)
      : undefined;
  if (sig === undefined || !verifyDeviceSignature(key, attestationSigningBytes(c.statement), sig)) {
    throw makeError("ATTESTATION_BAD_SIGNATURE");
  }
  return { result: "genuine", via, key: key.text };
}
