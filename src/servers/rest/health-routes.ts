import type { FastifyInstance } from "fastify";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { RestDeps } from "./rest-deps.js";

/** Liveness, readiness and Prometheus metrics. */
export async function healthRoutes(fastify: FastifyInstance, deps: RestDeps): Promise<void> {
  fastify.get(
    "/healthz",
    { schema: { summary: "Liveness: the process answers", tags: ["node"] } },
    async () => ({ ok: true }),
  );

  fastify.get(
    "/readyz",
    {
      schema: {
        summary: "Readiness: the ledger is open and the node takes transactions",
        tags: ["node"],
      },
    },
    async () => {
      if (!deps.ready()) throw makeError("NODE_NOT_READY");
      return { ready: true, height: deps.reads.last.height };
    },
  );

  fastify.get(
    "/metrics",
    { schema: { summary: "Prometheus metrics", tags: ["node"], produces: ["text/plain"] } },
    async (_request, reply) => {
      const { registry } = deps.metrics;
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}
