import type { FastifyInstance } from "fastify";
import { deviceAttribution } from "../../ledger/read/device-attribution.js";
import { deviceProofKeys } from "../../ledger/read/device-proof-keys.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";
import type { ProofSource } from "../../ledger/read/proof-source.js";
import type { RouteAccess } from "../access/access-context.js";
import { anyObject, errorSchema } from "../rest/rest-deps.js";

export interface ProofRoutesDeps {
  readonly reads: LedgerReads;
  readonly proofs: ProofSource;
}

/** The longest identifier the route reads: the router's own path-segment bound (maxParamLength). */
const MAX_ID = 100;

const ACCESS: RouteAccess = { scope: "proof", billable: true, publicTier: true };

const hash = { type: "string", description: "SHA-256, base64url without padding" } as const;

/** OpenAPI: core/proof/proof-bundle.ts ProofBundleJson; open where CometBFT's JSON is passed on. */
const bundleSchema = {
  type: "object",
  additionalProperties: true,
  required: ["version", "chainId", "height", "appHash", "entries", "commit"],
  properties: {
    version: { type: "integer", enum: [1] },
    chainId: { type: "string" },
    height: { type: "integer", description: "The height whose state the entries are of" },
    appHash: { type: "string", description: "The app hash of that state, hex" },
    entries: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: true,
        required: ["key", "value", "leaves", "path"],
        properties: {
          key: { type: "string", description: "The state key: device/<id> or alias/<id>" },
          value: { description: "The value under the key, or null: the key holds nothing" },
          leaves: {
            type: "array",
            description: "The key's bucket: [keyHash, valueHash] pairs, ascending",
            items: { type: "array", items: hash, minItems: 2, maxItems: 2 },
          },
          path: { type: "array", items: hash, description: "20 sibling hashes, bucket first" },
        },
      },
    },
    commit: {
      ...anyObject,
      description:
        'What commits the app hash: {engine: "embedded", header, signature} (the node-signed header of `height`), or {engine: "cometbft", signedHeader, validators} (header `height`+1 as CometBFT\'s /commit gives it, and its validator set as {pubKey, power})',
      properties: { engine: { type: "string", enum: ["embedded", "cometbft"] } },
    },
  },
} as const;

/**
 * GET /v1/devices/{id}/proof: a proof bundle for a device, by any of its identifiers, or of an
 * identifier's absence. Paid access (servers/access) meters it under the `proof` scope, with a
 * public tier, and shares its revenue with the members whose records the device holds.
 */
export async function proofRoutes(fastify: FastifyInstance, deps: ProofRoutesDeps): Promise<void> {
  const { reads, proofs } = deps;
  fastify.get(
    "/v1/devices/:id/proof",
    {
      config: { access: ACCESS },
      schema: {
        summary:
          "A proof bundle for a device (or for an identifier's absence) that a client verifies against a genesis or checkpoint",
        description:
          "Proves the device record (and, asked by an alias, the alias entry); an unknown identifier gets a bundle proving both absent. The proofs and what commits their app hash are taken at one height: on the embedded engine the node-signed header of that height; on CometBFT header height+1 with its commit and validator set. `height` is accepted when it is the height the node can prove (the latest committed state; also an earlier height with the same app hash); any other answers PROOF_HEIGHT_UNAVAILABLE, whose data names the available height.",
        tags: ["devices", "proofs"],
        params: {
          type: "object",
          properties: {
            id: {
              type: "string",
              maxLength: MAX_ID,
              description: "Any identifier form, as for GET /v1/devices/{id}",
            },
          },
        },
        querystring: {
          type: "object",
          properties: {
            height: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          },
          additionalProperties: false,
        },
        response: { 200: bundleSchema, "4xx": errorSchema, "5xx": errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { height } = request.query as { height?: number };
      // The keys are chosen and proved in one synchronous stretch: both see one committed state.
      const { keys, device } = deviceProofKeys(reads, id);
      const bundle = proofs.prove(keys, height);
      request.attribution =
        device === undefined ? [] : deviceAttribution(device, (key) => reads.memberIdForKey(key));
      return bundle;
    },
  );
}
