import type { FastifyInstance } from "fastify";
import { anyObject, errorSchema, type RestDeps } from "./rest-deps.js";

const MAX_BLOCKS = 100;

/** Blocks, members, accounts and node status. */
export async function chainRoutes(fastify: FastifyInstance, deps: RestDeps): Promise<void> {
  const { reads } = deps;

  fastify.get(
    "/v1/status",
    {
      schema: {
        summary: "Chain id, last committed block and app hash, engine, mempool",
        tags: ["node"],
        response: {
          200: {
            type: "object",
            additionalProperties: true,
            properties: {
              chainId: { type: "string" },
              height: { type: "integer" },
              appHash: { type: "string" },
              blockHash: { type: "string" },
              time: { type: "string" },
              engine: { type: "string" },
              dev: { type: "boolean" },
              mempool: { type: "integer" },
            },
          },
        },
      },
    },
    async () => {
      const last = reads.last;
      return {
        chainId: reads.chainId,
        height: last.height,
        appHash: last.appHash,
        blockHash: last.blockHash,
        time: new Date(last.time).toISOString(),
        engine: deps.engine.kind,
        dev: deps.dev,
        mempool: deps.engine.pendingCount,
      };
    },
  );

  fastify.get(
    "/v1/blocks/latest",
    {
      schema: {
        summary: "The last committed block",
        tags: ["blocks"],
        response: { 200: anyObject },
      },
    },
    async () => reads.latestBlock(),
  );

  fastify.get(
    "/v1/blocks/:height",
    {
      schema: {
        summary:
          "A block by height: header (time, previous hash, tx root, app hash), tx hashes and, on the embedded engine, the node's header signature {keyId, sig}",
        tags: ["blocks"],
        params: { type: "object", properties: { height: { type: "integer", minimum: 0 } } },
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    async (request) => reads.block((request.params as { height: number }).height),
  );

  fastify.get(
    "/v1/blocks",
    {
      schema: {
        summary: "Consecutive blocks from a height (by default the last ones)",
        tags: ["blocks"],
        querystring: {
          type: "object",
          properties: {
            from: { type: "integer", minimum: 0 },
            limit: { type: "integer", minimum: 1, maximum: MAX_BLOCKS, default: 20 },
          },
          additionalProperties: false,
        },
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    async (request) => {
      const { from, limit } = request.query as { from?: number; limit: number };
      return { blocks: reads.blocks(from, limit) };
    },
  );

  fastify.get(
    "/v1/members",
    {
      schema: {
        summary: "Every consortium member: id, role, name, key, status",
        tags: ["members"],
        response: { 200: anyObject },
      },
    },
    async () => ({ members: reads.members() }),
  );

  fastify.get(
    "/v1/members/:id",
    {
      schema: {
        summary: "One member",
        tags: ["members"],
        params: { type: "object", properties: { id: { type: "string" } } },
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    async (request) => reads.member((request.params as { id: string }).id),
  );

  fastify.get(
    "/v1/accounts/:keyId",
    {
      schema: {
        summary: "The account behind a public key: member or owner, role, and its next nonce",
        tags: ["members"],
        params: { type: "object", properties: { keyId: { type: "string" } } },
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    async (request) => reads.accountInfo((request.params as { keyId: string }).keyId),
  );
}
