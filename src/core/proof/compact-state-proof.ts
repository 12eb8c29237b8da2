import { fromBase64Url, toBase64Url } from "../encoding/bytes.js";
import type { Json } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";
import { BUCKET_BITS, HASH_BYTES, type Leaf } from "./bucket-hash.js";
import type { CompactStateProofJson } from "./proof-bundle.js";
import type { StateProof } from "./state-proof.js";

/**
 * A state proof in a bundle's compact wire form (proof-bundle.ts CompactStateProofJson): every
 * hash base64url without padding, a leaf as [keyHash, valueHash]. Pure, so the node that serves a
 * bundle and any tool that rebuilds one encode it byte for byte alike.
 */
export function toCompactStateProof(proof: StateProof): CompactStateProofJson {
  return {
    key: proof.key,
    value: proof.value,
    leaves: proof.leaves.map((l) => [toBase64Url(l.keyHash), toBase64Url(l.valueHash)] as const),
    path: proof.path.map(toBase64Url),
  };
}

const malformed = (why: string) => makeError("PROOF_MALFORMED", `The bundle is malformed: ${why}`);

/** Most leaves one bucket may list: far above what 10^6 keys in 2^20 buckets ever put in one. */
export const MAX_BUCKET_LEAVES = 1024;

function hash32(value: unknown, what: string): Uint8Array {
  const bytes = typeof value === "string" ? fromBase64Url(value) : undefined;
  if (bytes?.length !== HASH_BYTES) throw malformed(`${what} is not 32 bytes of base64url`);
  return bytes;
}

/** Read a compact state proof (parsed JSON) into a StateProof; PROOF_MALFORMED when it is not one. */
export function fromCompactStateProof(json: unknown, what = "an entry"): StateProof {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw malformed(`${what} is not an object`);
  }
  const p = json as Record<string, unknown>;
  if (typeof p["key"] !== "string") throw malformed(`${what}'s key is not a string`);
  if (!("value" in p) || p["value"] === undefined) throw malformed(`${what}'s value is missing`);
  const leaves = p["leaves"];
  const path = p["path"];
  if (!Array.isArray(leaves) || leaves.length > MAX_BUCKET_LEAVES) {
    throw malformed(`${what}'s leaves is not an array of at most ${MAX_BUCKET_LEAVES}`);
  }
  if (!Array.isArray(path) || path.length !== BUCKET_BITS) {
    throw malformed(`${what}'s path is not ${BUCKET_BITS} hashes`);
  }
  return {
    key: p["key"],
    value: p["value"] as Json | null,
    leaves: leaves.map((l: unknown, i): Leaf => {
      if (!Array.isArray(l) || l.length !== 2) throw malformed(`${what}'s leaf ${i} is not a pair`);
      return {
        keyHash: hash32(l[0], `${what}'s leaf ${i} key hash`),
        valueHash: hash32(l[1], `${what}'s leaf ${i} value hash`),
      };
    }),
    path: path.map((h: unknown, i) => hash32(h, `${what}'s path[${i}]`)),
  };
}
