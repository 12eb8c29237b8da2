import type { FastifyInstance } from "fastify";
import { parsePurpose, verifyAttestation } from "../../core/check/device-attestation.js";
import { MAX_CERTIFICATE_TEXT, MAX_CHAIN_LENGTH } from "../../core/crypto/attestation-chain.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";
import type { RouteAccess } from "../access/access-context.js";
import { errorSchema } from "../rest/rest-deps.js";
import type { ChallengeStore } from "./challenge-store.js";

export interface AttestationRoutesOptions {
  /** The device, its manufacturer's roots and the chain id. */
  readonly reads: LedgerReads;
  readonly challenges: ChallengeStore;
  /** The time certificates must be valid at, ms since the epoch. */
  readonly now?: () => number;
}

/** Anyone may ask (a buyer, an operator, a repair shop): the public tier's per-address limits apply. */
const CHALLENGE_ACCESS: RouteAccess = { scope: "check", billable: false, publicTier: true };
const ATTEST_ACCESS: RouteAccess = { scope: "check", billable: true, publicTier: true };
const idParams = {
  type: "object",
  properties: { id: { type: "string", description: "Any identifier of the device" } },
} as const;

/**
 * POST /v1/devices/{id}/challenges and /attestations: is the device in front of the verifier the
 * genuine one, holding the key on the ledger (or one certified by its manufacturer's root)?
 * Challenges are node-local; only the device record and the roots come from the ledger.
 */
export async function attestationRoutes(
  fastify: FastifyInstance,
  opts: AttestationRoutesOptions,
): Promise<void> {
  const { reads, challenges } = opts;
  const now = opts.now ?? Date.now;
  fastify.post(
    "/v1/devices/:id/challenges",
    {
      bodyLimit: 1_024,
      config: { access: CHALLENGE_ACCESS },
      schema: {
        summary: "A single-use challenge for the device to sign: 32 random bytes, for 60 s",
        tags: ["attestation"],
        params: idParams,
        body: {
          type: "object",
          required: ["purpose"],
          additionalProperties: false,
          properties: {
            purpose: { type: "string", maxLength: 32, description: "1-32 of a-z 0-9 . _ -" },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["challenge", "device", "purpose", "chain", "expiresAt"],
            properties: {
              challenge: { type: "string", description: "32 bytes, unpadded base64url" },
              device: { type: "string", description: "The device's primary registry key" },
              purpose: { type: "string" },
              chain: { type: "string", description: "The chain id the statement names" },
              expiresAt: { type: "integer", description: "ms since the epoch" },
            },
          },
          "4xx": errorSchema,
        },
      },
    },
    async (request) => {
      const purpose = parsePurpose((request.body as { purpose: unknown }).purpose);
      const d = reads.device((request.params as { id: string }).id);
      const issued = challenges.issue(d.id, purpose);
      return { ...issued, device: d.id, purpose, chain: reads.chainId };
    },
  );
  fastify.post(
    "/v1/devices/:id/attestations",
    {
      bodyLimit: MAX_CHAIN_LENGTH * MAX_CERTIFICATE_TEXT + 1_024,
      config: { access: ATTEST_ACCESS },
      schema: {
        summary: "Check the device's signature over a challenge: genuine, or a coded failure",
        tags: ["attestation"],
        params: idParams,
        body: {
          type: "object",
          required: ["challenge", "signature"],
          additionalProperties: false,
          properties: {
            challenge: { type: "string", maxLength: 64 },
            signature: {
              type: "string",
              maxLength: 128,
              description:
                'Ed25519, or P-256 ECDSA-SHA256 as P1363 r‖s, base64url, over "devicechain/device-attestation/v1\\n" + RFC 8785 {chain, challenge, device, purpose}',
            },
            certificates: {
              type: "array",
              maxItems: MAX_CHAIN_LENGTH,
              items: { type: "string", maxLength: MAX_CERTIFICATE_TEXT },
              description: "A chain, leaf first, to a root of the device's manufacturer",
            },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["result", "device", "via", "key", "height"],
            properties: {
              result: { type: "string", enum: ["genuine"] },
              device: { type: "string" },
              via: { type: "string", enum: ["ledger", "certificate"] },
              key: { type: "string", description: "The device key that signed" },
              height: { type: "integer", description: "The committed height the record is from" },
            },
          },
          "4xx": errorSchema,
        },
      },
    },
    async (request) => {
      const body = request.body as {
        challenge: string;
        signature: string;
        certificates?: string[];
      };
      const d = reads.device((request.params as { id: string }).id);
      const height = reads.last.height;
      // Spent before the signature is checked: a clone gets one try per challenge.
      const purpose = challenges.spend(body.challenge, d.id);
      const statement = { chain: reads.chainId, device: d.id, purpose, challenge: body.challenge };
      const answer = verifyAttestation({
        statement,
        signature: body.signature,
        ...(body.certificates === undefined ? {} : { certificates: body.certificates }),
        device: d,
        roots: body.certificates === undefined ? [] : reads.attestationRoots(d.manufacturer),
        now: now(),
      });
      return { ...answer, device: d.id, height };
    },
  );
}
