import type { FastifyInstance } from "fastify";
import { isKeyId } from "../../core/crypto/ed25519.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { resolveAccount } from "../../core/machine/account.js";
import { lastNonce } from "../../core/machine/verify.js";
import { MEMBER_PREFIX } from "../../core/state/keys.js";
import { readMember } from "../../core/state/member.js";
import type { StoredBlock } from "../../ledger/block.js";
import { anyObject, errorSchema, type RestDeps } from "./rest-deps.js";

const MAX_BLOCKS = 100;

/** Blocks, members, accounts and node status. */
export async function chainRoutes(fastify: FastifyInstance, deps: RestDeps): Promise<void> {
  const { app } = deps;
  const block = (height: number): StoredBlock => {
    const b = app.getBlock(height);
    if (!b) throw makeError("NOT_FOUND", `No block at height ${height}`);
    return b;
  };

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
      const last = app.store.last;
      return {
        chainId: app.chainId,
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
    async () => block(app.store.last.height),
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
    async (request) => block((request.params as { height: number }).height),
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
      const top = app.store.last.height;
      const start = from ?? Math.max(0, top - limit + 1);
      const blocks: StoredBlock[] = [];
      for (let h = start; h <= top && blocks.length < limit; h++) blocks.push(block(h));
      return { blocks };
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
    async () => {
      const members = [];
      for (const [, value] of app.store.scan(MEMBER_PREFIX)) members.push(value);
      return { members };
    },
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
    async (request) => {
      const { id } = request.params as { id: string };
      const member = readMember(app.store, id);
      if (!member) throw makeError("MEMBER_UNKNOWN", `No member ${id}`);
      return member;
    },
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
    async (request) => {
      const { keyId } = request.params as { keyId: string };
      if (!isKeyId(keyId))
        throw makeError("REQUEST_BAD_PARAMS", "A key id is 43 base64url characters");
      const account = resolveAccount(app.store, keyId);
      const last = lastNonce(app.store, keyId);
      return {
        keyId,
        account: account.id,
        role: account.role,
        lastNonce: last,
        // After this key's transactions waiting in this node's mempool, if any.
        nextNonce: lastNonce(app.mempool, keyId) + 1,
      };
    },
  );
}
