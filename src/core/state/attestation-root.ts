import type { Json } from "../encoding/canonical-json.js";
import { attestationRootsKey } from "./keys.js";
import type { StateReader, StateWriter } from "./state.js";

/**
 * A CA certificate a manufacturer registered, so its devices may present chains to it. Consensus
 * never parsed it (see actions/attestation-root.ts): it may not even be a certificate.
 */
export interface AttestationRoot {
  /** SHA-256 of the DER, lower-case hex: the root's name in root.remove. */
  readonly sha256: string;
  /** The certificate, base64 DER. */
  readonly cert: string;
  /** Height of the root.add that registered it. */
  readonly height: number;
}

/** A manufacturer's attestation roots, oldest first (none if it registered none). */
export function readAttestationRoots(state: StateReader, memberId: string): AttestationRoot[] {
  const v = state.get(attestationRootsKey(memberId)) as { roots?: AttestationRoot[] } | undefined;
  return v?.roots ?? [];
}

export function writeAttestationRoots(
  state: StateWriter,
  memberId: string,
  roots: readonly AttestationRoot[],
): void {
  if (roots.length === 0) state.delete(attestationRootsKey(memberId));
  else state.put(attestationRootsKey(memberId), { roots: roots as unknown as Json });
}
