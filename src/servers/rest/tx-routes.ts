import type { FastifyInstance } from "fastify";
import { makeError } from "../../core/errors/devicechain-error.js";
import { fromValue, MAX_TX_BYTES } from "../../core/tx/transaction.js";
import type { CommittedTx } from "../../ledger/engine/tx-engine.js";
import { anyObject, errorSchema, type RestDeps } from "./rest-deps.js";

/** Room for whitespace around a transaction at the size limit. */
const BODY_LIMIT = MAX_TX_BYTES + 64 * 1024;

function withTimeout<T>(p: Promise<T>, ms: number, hash: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(makeError("TX_TIMEOUT", undefined, { data: { hash } })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const committedSchema = {
  type: "object",
  required: ["hash", "height", "index", "code", "codeName", "events"],
  properties: {
    hash: { type: "string" },
    height: { type: "integer" },
    index: { type: "integer" },
    code: { type: "integer" },
    codeName: { type: "string" },
    log: { type: "string" },
    events: { type: "array", items: anyObject },
  },
} as const;

/** POST /v1/txs and GET /v1/txs/:hash. */
export async function txRoutes(fastify: FastifyInstance, deps: RestDeps): Promise<void> {
  fastify.post(
    "/v1/txs",
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        summary: "Submit a signed transaction and wait for its commit",
        description:
          "The body is {body: {chain, signer, nonce, type, params}, sig}. The reply comes once the block holding the transaction is on disk. A transaction refused by the mempool, or committed with a non-zero code, gets that code's HTTP status and an error body.",
        tags: ["transactions"],
        body: anyObject,
        response: { 200: committedSchema, "4xx": errorSchema, "5xx": errorSchema },
      },
    },
    async (request) => {
      if (!deps.ready()) throw makeError("NODE_NOT_READY");
      const decoded = fromValue(request.body);
      const committed: CommittedTx = await withTimeout(
        deps.engine.submit(decoded.bytes),
        deps.commitTimeoutMs,
        decoded.hash,
      );
      // A refusal arrives as the DevicechainError that refused it; a transaction its block
      // refused (a race between two nodes' mempools) is a result, answered with its code.
      if (committed.codeName !== "OK") {
        throw makeError(committed.codeName, committed.log, {
          data: {
            ...committed.data,
            hash: committed.hash,
            height: committed.height,
            index: committed.index,
          },
        });
      }
      return committed;
    },
  );

  fastify.get(
    "/v1/txs/:hash",
    {
      schema: {
        summary: "A committed transaction, its block and its result",
        tags: ["transactions"],
        params: {
          type: "object",
          properties: { hash: { type: "string", pattern: "^[0-9a-f]{64}$" } },
        },
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    async (request) => deps.reads.tx((request.params as { hash: string }).hash),
  );
}
