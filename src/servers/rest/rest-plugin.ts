import type { FastifyInstance } from "fastify";
import { chainRoutes } from "./chain-routes.js";
import { deviceRoutes } from "./device-routes.js";
import { errorBody, toDevicechainError } from "./error-reply.js";
import { healthRoutes } from "./health-routes.js";
import type { RestDeps } from "./rest-deps.js";
import { txRoutes } from "./tx-routes.js";

/** The REST API: every reply is JSON, every error `{error: {code, message, data?}}`. */
export async function restPlugin(fastify: FastifyInstance, deps: RestDeps): Promise<void> {
  // Transactions are JSON only; anything else is refused with REQUEST_UNSUPPORTED_MEDIA_TYPE.
  fastify.removeContentTypeParser("text/plain");
  fastify.setErrorHandler((raw, request, reply) => {
    const e = toDevicechainError(raw);
    if (e.httpStatus >= 500) request.log.error({ err: raw }, e.message);
    deps.metrics.httpErrors.inc({ code: e.code });
    void reply.code(e.httpStatus).send(errorBody(e));
  });
  await fastify.register(txRoutes, deps);
  await fastify.register(deviceRoutes, deps);
  await fastify.register(chainRoutes, deps);
  await fastify.register(healthRoutes, deps);
}
