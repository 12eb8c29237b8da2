/**
 * Both sides of the ownership check without identity, for apps that embed the SDK: the buyer
 * draws a fresh challenge and asks a node; the seller signs the challenge with the owner key.
 */
import { randomBytes } from "node:crypto";
import {
  CHALLENGE_BYTES,
  encodeChallenge,
  type OwnershipProof,
  proveOwnership,
} from "../../core/check/ownership-proof.js";
import type { Signer } from "../../core/crypto/ed25519.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import type { NodeClient, OwnershipAnswer } from "./node-client.js";

/** A fresh random challenge (32 bytes, base64url): make a new one for every seller you check. */
export function newChallenge(): string {
  return encodeChallenge(new Uint8Array(randomBytes(CHALLENGE_BYTES)));
}

/**
 * The chain id and the device's primary registry key a proof or consent must name: given
 * `chain`, offline, with the identifier taken as the device's primary one; else asked of the node.
 */
export async function chainAndDevice(
  device: string,
  from: { readonly chain?: string | undefined; readonly client: NodeClient },
): Promise<{ chain: string; device: string }> {
  if (from.chain !== undefined) {
    return { chain: from.chain, device: parseIdentifier(device, "person").key };
  }
  const [status, record] = await Promise.all([from.client.status(), from.client.device(device)]);
  return { chain: status.chainId, device: record.id };
}

/** The seller's side: sign the buyer's challenge for the device with the owner key. */
export async function proveDeviceOwnership(
  signer: Signer,
  device: string,
  challenge: string,
  from: { readonly chain?: string | undefined; readonly client: NodeClient },
): Promise<OwnershipProof> {
  const s = await chainAndDevice(device, from);
  return proveOwnership(signer, { ...s, challenge });
}

/**
 * The buyer's side: ask the node whether the proof's key owns the device, for the buyer's own
 * challenge. A proof made for another challenge fails as OWNERSHIP_PROOF_INVALID.
 */
export function verifyDeviceOwnership(
  client: NodeClient,
  device: string,
  challenge: string,
  proof: Pick<OwnershipProof, "key" | "signature">,
): Promise<OwnershipAnswer> {
  return client.checkOwnership(device, { challenge, key: proof.key, signature: proof.signature });
}
