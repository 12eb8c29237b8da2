import type { FastifyInstance } from "fastify";
import { verifyOwnershipSignature } from "../../core/check/ownership-proof.js";
import { deviceAttribution } from "../../ledger/read/device-attribution.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";
import type { RouteAccess } from "../access/access-context.js";
import { errorSchema } from "../rest/rest-deps.js";

export interface OwnershipRoutesOptions {
  /** The device, the chain id and the height the answer is true at. */
  readonly reads: LedgerReads;
}

/** A check a buyer can make without a key (public tier), billed to a key when one is given. */
const ACCESS: RouteAccess = { scope: "check", billable: true, publicTier: true };

const bodySchema = {
  type: "object",
  required: ["challenge", "key", "signature"],
  additionalProperties: false,
  properties: {
    challenge: {
      type: "string",
      maxLength: 64,
      description:
        "The buyer's fresh random challenge: 32 bytes, unpadded base64url (43 characters)",
    },
    key: {
      type: "string",
      maxLength: 64,
      description: "The key the seller claims owns the device: an Ed25519 key id",
    },
    signature: {
      type: "string",
      maxLength: 128,
      description:
        'Ed25519 by `key` over "devicechain/ownership-proof/v1\\n" + RFC 8785 {chain, challenge, device (primary registry key)}',
    },
  },
} as const;

const answerSchema = {
  type: "object",
  required: ["owner", "device", "height"],
  properties: {
    owner: { type: "boolean", description: "Whether `key` is the device's current owner" },
    device: { type: "string", description: "The device's primary registry key" },
    height: { type: "integer", description: "The committed height the answer is true at" },
  },
} as const;

/**
 * POST /v1/check/{id}/ownership: whether a key that signed the buyer's challenge owns the device
 * now. The owner's key is never shown; a forged signature is a coded error, not `owner: false`,
 * so a buyer can tell "not the owner" from "not signed by that key".
 */
export async function ownershipRoutes(
  fastify: FastifyInstance,
  opts: OwnershipRoutesOptions,
): Promise<void> {
  const { reads } = opts;
  fastify.post(
    "/v1/check/:id/ownership",
    {
      bodyLimit: 1_024,
      config: { access: ACCESS },
      schema: {
        summary:
          "Ownership without identity: does the key that signed this challenge own the device now?",
        tags: ["check"],
        params: {
          type: "object",
          properties: { id: { type: "string", description: "Any identifier of the device" } },
        },
        body: bodySchema,
        response: { 200: answerSchema, "4xx": errorSchema },
      },
    },
    async (request) => {
      const { challenge, key, signature } = request.body as {
        challenge: string;
        key: string;
        signature: string;
      };
      // One synchronous read of the committed state: the device and the height agree.
      const d = reads.device((request.params as { id: string }).id);
      const height = reads.last.height;
      verifyOwnershipSignature({ chain: reads.chainId, device: d.id, challenge }, key, signature);
      // The answer rests on the manufacturer's registration and the sale or transfer after it.
      request.attribution = deviceAttribution(d, (key) => reads.memberIdForKey(key));
      return { owner: d.owner === key, device: d.id, height };
    },
  );
}
