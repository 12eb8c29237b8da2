import { fromHex } from "../../core/encoding/bytes.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { BlockHeader } from "../../core/proof/block-header.js";
import { decodeSignedHeader, verifySignedHeader } from "../../core/proof/header-signature.js";
import {
  decodeStateProof,
  type ProvenEntry,
  verifyStateProof,
} from "../../core/proof/state-proof.js";
import { type VerifiedBundle, verifyProofBundle } from "../../core/proof/verify-bundle.js";

/**
 * Verify what a node proves with the node's own definitions (core/proof), so a client and the
 * ledger agree byte for byte. Inputs are parsed JSON as the node serves it; every failure is a
 * coded error (PROOF_*, HEADER_*), never a boolean to forget to check.
 */

/** A state entry proved under a block's app hash. */
export interface VerifiedEntry extends ProvenEntry {
  /** The height of the block whose app hash the proof reached. */
  readonly height: number;
}

/**
 * Verify a block as GET /v1/blocks/{height} serves it: its hash is its header's, and its header
 * is signed by one of `trustedKeys` (node key ids, e.g. from GET /v1/webhooks/signing-key).
 * Returns the header, whose app hash can then anchor proofs.
 */
export function verifyBlock(block: unknown, trustedKeys: readonly string[]): BlockHeader {
  return verifySignedHeader(decodeSignedHeader(block), trustedKeys);
}

/**
 * Verify a state proof (StateProofJson: a key, its value or null, its bucket's leaves and the
 * path) against an app hash the caller already trusts, in hex.
 */
export function verifyProofAt(proof: unknown, appHash: string): ProvenEntry {
  const root = fromHex(appHash);
  if (!root) throw makeError("PROOF_MALFORMED", "The app hash is not hex");
  return verifyStateProof(decodeStateProof(proof), root);
}

/**
 * The whole check a client makes: the block is signed by a trusted node key, and the proof leads
 * to that block's app hash. Returns the key and its value (null: proved absent) at that height.
 */
export function verifyProof(input: {
  readonly proof: unknown;
  readonly block: unknown;
  readonly trustedKeys: readonly string[];
}): VerifiedEntry {
  const header = verifyBlock(input.block, input.trustedKeys);
  return { ...verifyProofAt(input.proof, header.appHash), height: header.height };
}

/**
 * Verify a proof bundle (GET /v1/devices/{id}/proof, parsed) against a trust: a genesis.json, a
 * checkpoint.json saved from an earlier verification, or {chainId, nodeKeys} for an embedded
 * node. `now` defaults to this machine's clock. Returns the entries proved, their height and, for
 * CometBFT, the checkpoint to save; throws the coded error of the first step that fails.
 */
export function verifyBundle(
  bundle: unknown,
  trust: unknown,
  opts: { readonly now?: number; readonly trustingPeriodMs?: number } = {},
): VerifiedBundle {
  return verifyProofBundle(bundle, trust, {
    now: opts.now ?? Date.now(),
    ...(opts.trustingPeriodMs === undefined ? {} : { trustingPeriodMs: opts.trustingPeriodMs }),
  });
}
