import { type Signer, verifyEd25519 } from "../crypto/ed25519.js";
import { fromBase64Url, toBase64Url, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";
import { type BlockHeader, blockHash, decodeBlockHeader, headerFields } from "./block-header.js";

/**
 * A node's Ed25519 signature over a block header. The embedded engine signs every block it cuts
 * with the node's key, so a client holding that key id can trust a one-node chain's app hash (and
 * with it any state proof) without asking the node again. It is kept beside the header, never in
 * it: the block hash and the app hash do not depend on who signed.
 */
export interface HeaderSignature {
  /** The signer's Ed25519 public key, base64url (43 characters). */
  readonly keyId: string;
  /** Ed25519 over headerSigningBytes(header), base64url. */
  readonly sig: string;
}

/** Signs block headers; the embedded engine is handed one built on the node's key. */
export type HeaderSigner = (header: BlockHeader) => HeaderSignature;

/** A header with the signature a node gave it, if any (a CometBFT block has its own commit). */
export interface SignedHeader {
  readonly header: BlockHeader;
  readonly signature?: HeaderSignature | undefined;
}

/** The domain tag: a header signature can never be read as a transaction's, nor the reverse. */
const DOMAIN = "devicechain/block-header/v1\n";

/** The exact bytes a header signature covers: the domain tag, then the header's canonical JSON. */
export function headerSigningBytes(header: BlockHeader): Uint8Array {
  return utf8(DOMAIN + canonicalize(headerFields(header)));
}

/** A header signer on a held key. */
export function headerSigner(signer: Signer): HeaderSigner {
  return (header) => ({
    keyId: signer.keyId,
    sig: toBase64Url(signer.sign(headerSigningBytes(header))),
  });
}

/**
 * Verify that a header is signed by one of the `trusted` key ids; returns the header. The steps,
 * in order: signed at all (HEADER_UNSIGNED), by a trusted key (HEADER_SIGNER_UNTRUSTED), and the
 * signature verifies over these exact header fields (HEADER_BAD_SIGNATURE).
 */
export function verifySignedHeader(
  signed: SignedHeader,
  trusted: ReadonlySet<string> | readonly string[],
): BlockHeader {
  const signature = signed.signature;
  if (signature === undefined) {
    throw makeError("HEADER_UNSIGNED", `Block ${signed.header.height} carries no signature`);
  }
  if (!new Set(trusted).has(signature.keyId)) {
    throw makeError(
      "HEADER_SIGNER_UNTRUSTED",
      `Block ${signed.header.height} is signed by ${signature.keyId}, which is not trusted`,
    );
  }
  const sig = fromBase64Url(signature.sig);
  if (!sig || !verifyEd25519(signature.keyId, headerSigningBytes(signed.header), sig)) {
    throw makeError(
      "HEADER_BAD_SIGNATURE",
      `Block ${signed.header.height}'s signature does not verify`,
    );
  }
  return signed.header;
}

/** Read a header signature from parsed JSON; PROOF_MALFORMED unless both fields are strings. */
export function decodeHeaderSignature(json: unknown): HeaderSignature {
  const s = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  if (typeof s["keyId"] !== "string" || typeof s["sig"] !== "string") {
    throw makeError("PROOF_MALFORMED", "A header signature is {keyId, sig}, both base64url");
  }
  return { keyId: s["keyId"], sig: s["sig"] };
}

/**
 * Read a block as the node serves it ({hash, header, signature?, …}, parsed JSON) into a signed
 * header. PROOF_MALFORMED if a field is missing or invalid, or if `hash` is not the header's hash.
 */
export function decodeSignedHeader(json: unknown): SignedHeader {
  const b = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const header = decodeBlockHeader(b["header"]);
  if (b["hash"] !== undefined && b["hash"] !== blockHash(header)) {
    throw makeError("PROOF_MALFORMED", `Block ${header.height}'s hash is not its header's hash`);
  }
  if (b["signature"] === undefined) return { header };
  return { header, signature: decodeHeaderSignature(b["signature"]) };
}
