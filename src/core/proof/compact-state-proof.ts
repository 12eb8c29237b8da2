import { toBase64Url } from "../encoding/bytes.js";
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
