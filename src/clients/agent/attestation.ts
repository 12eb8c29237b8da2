/**
 * The device's side of attestation: answer a node's challenge with the device key. A device maker
 * embeds this; the key may live in a secure element, so signing is a function it supplies.
 */
import { type KeyObject, sign } from "node:crypto";
import {
  type AttestationStatement,
  attestationSigningBytes,
} from "../../core/check/device-attestation.js";
import { toBase64Url } from "../../core/encoding/bytes.js";

/** Signs bytes with the device key: Ed25519 (64 bytes) or P-256 ECDSA-SHA256 as P1363 r‖s. */
export type DeviceSign = (message: Uint8Array) => Uint8Array;

/** A DeviceSign over a node:crypto private key (Ed25519 or P-256), e.g. for the simulator. */
export function deviceSignFor(privateKey: KeyObject): DeviceSign {
  if (privateKey.asymmetricKeyType === "ed25519") {
    return (m) => new Uint8Array(sign(null, m, privateKey));
  }
  return (m) => new Uint8Array(sign("sha256", m, { key: privateKey, dsaEncoding: "ieee-p1363" }));
}

/** The signature (base64url) a device sends to POST /v1/devices/{id}/attestations. */
export function answerChallenge(signWith: DeviceSign, statement: AttestationStatement): string {
  return toBase64Url(signWith(attestationSigningBytes(statement)));
}
