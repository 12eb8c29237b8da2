import { X509Certificate } from "node:crypto";
import { fromBase64, toBase64 } from "../encoding/bytes.js";
import { makeError } from "../errors/devicechain-error.js";
import { parseIdentifier } from "../identifiers/identifier.js";
import { type DeviceKey, deviceKeyFromKeyObject } from "./device-key.js";

/** A certificate's text (PEM or base64 DER) is at most this long: a device CA is 1-2 KiB. */
export const MAX_CERTIFICATE_TEXT = 8192;
/** A chain holds the leaf and at most three intermediates (Android's is leaf, 1-2 CAs, root). */
export const MAX_CHAIN_LENGTH = 4;

const PEM = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----\s*$/;

/** The DER bytes of a certificate given as PEM or base64 DER, or `code` if it is neither. */
function certificateDer(
  text: unknown,
  code: "ATTESTATION_ROOT_INVALID" | "ATTESTATION_CHAIN_INVALID",
): Uint8Array {
  if (typeof text !== "string" || text.length > MAX_CERTIFICATE_TEXT) {
    throw makeError(
      code,
      `A certificate is PEM or base64 DER, at most ${MAX_CERTIFICATE_TEXT} characters`,
    );
  }
  const body = PEM.exec(text.trim())?.[1]?.replace(/\s+/g, "") ?? text;
  const der = fromBase64(body);
  if (der === undefined || der.length === 0) throw makeError(code, "Not PEM or base64 DER");
  return der;
}

/** Parse a certificate, or `code` for bytes that are not one. */
function parseCertificate(
  der: Uint8Array,
  code: "ATTESTATION_ROOT_INVALID" | "ATTESTATION_CHAIN_INVALID",
): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(der));
  } catch {
    throw makeError(code, "Not an X.509 certificate");
  }
}

/** True if `now` (ms since the epoch) lies within the certificate's validity. */
function validAt(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/** The canonical (base64 DER) text of a certificate. */
export const certificateText = (der: Uint8Array): string => toBase64(der);

/**
 * The identifier the leaf names: its subject's serialNumber (OID 2.5.4.5), an identifier as
 * devices are named everywhere (`490154203237518`, `imei:49015420323751`, a MAC…).
 */
function leafIdentifierKey(leaf: X509Certificate): string | undefined {
  const line = leaf.subject.split("\n").find((l) => l.startsWith("serialNumber="));
  if (line === undefined) return undefined;
  try {
    return parseIdentifier(line.slice("serialNumber=".length), "person").key;
  } catch {
    return undefined;
  }
}

/**
 * A registered root, parsed here and not in consensus (root.add stores its bytes unparsed, so that
 * no OpenSSL build can fork the ledger): undefined, so it verifies no chain, if it is not a
 * certificate, not a CA, or not valid at `now`. Another root of the manufacturer may still verify.
 */
function usableRoot(text: string, now: number): X509Certificate | undefined {
  try {
    const root = parseCertificate(
      certificateDer(text, "ATTESTATION_ROOT_INVALID"),
      "ATTESTATION_ROOT_INVALID",
    );
    return root.ca && validAt(root, now) ? root : undefined;
  } catch {
    return undefined;
  }
}

export interface ChainCheck {
  /** The chain, leaf first, each certificate PEM or base64 DER. */
  readonly chain: unknown;
  /** The device's identifier keys (its record's `ids`): the leaf must name one. */
  readonly deviceIds: readonly string[];
  /** Base64 DER of the attestation roots its manufacturer registered, as root.add stored them. */
  readonly roots: readonly string[];
  /** The verifier's time, ms since the epoch: every certificate must be valid then. */
  readonly now: number;
}

/**
 * Verify a device's certificate chain to one of its manufacturer's roots and give the leaf's key.
 * Steps, each a coded refusal: shape and size, each certificate issued and signed by the next,
 * intermediates are CAs, all valid at `now`, the last issued by (or equal to) a registered root
 * that parses, is a CA and is valid at `now`, and the leaf names the device. ATTESTATION_CHAIN_INVALID, _UNTRUSTED or _WRONG_DEVICE.
 */
export function verifyAttestationChain(check: ChainCheck): DeviceKey {
  const { chain, now } = check;
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > MAX_CHAIN_LENGTH) {
    throw makeError("ATTESTATION_CHAIN_INVALID", `A chain is 1-${MAX_CHAIN_LENGTH} certificates`);
  }
  const certs = chain.map((c: unknown) =>
    parseCertificate(certificateDer(c, "ATTESTATION_CHAIN_INVALID"), "ATTESTATION_CHAIN_INVALID"),
  );
  for (const [i, cert] of certs.entries()) {
    if (!validAt(cert, now))
      throw makeError("ATTESTATION_CHAIN_INVALID", `Certificate ${i} is not valid now`);
    const issuer = certs[i + 1];
    if (issuer === undefined) break;
    if (!issuer.ca || !cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      throw makeError("ATTESTATION_CHAIN_INVALID", `Certificate ${i} is not signed by the next`);
    }
  }
  const top = certs[certs.length - 1] as X509Certificate;
  const trusted = check.roots.some((text) => {
    const root = usableRoot(text, now);
    if (root === undefined) return false;
    if (root.fingerprint256 === top.fingerprint256) return true;
    return top.checkIssued(root) && top.verify(root.publicKey);
  });
  if (!trusted) throw makeError("ATTESTATION_CHAIN_UNTRUSTED");
  const leaf = certs[0] as X509Certificate;
  const named = leafIdentifierKey(leaf);
  if (named === undefined || !check.deviceIds.includes(named)) {
    throw makeError("ATTESTATION_CHAIN_WRONG_DEVICE");
  }
  try {
    return deviceKeyFromKeyObject(leaf.publicKey);
  } catch {
    throw makeError("ATTESTATION_CHAIN_INVALID", "The leaf's key is not Ed25519 or P-256");
  }
}
