/**
 * Stand-in routes for the paid-access tests: small routes registered by the test itself with
 * `config.access`, so the access plugin can be tested before (and apart from) the real check and
 * proof routes. They stand in for no part of the system: they only give the hooks a route to guard.
 */
import type { FastifyInstance } from "fastify";
import type { AccessSettings } from "../../src/servers/access/access-plans.js";

/** The member key ids the billable stand-in attributes its answers to. */
export const STAND_IN_ATTRIBUTION = ["member-key-b", "member-key-a", "member-key-c"] as const;

/**
 * GET /test/check/:id: billable, scope check, public tier allowed; `?fail=1` answers 400 (a
 * refusal, which never bills). GET /test/proof/:id: billable, scope proof, key only.
 */
export function standInRoutes(fastify: FastifyInstance): void {
  fastify.get<{ Params: { id: string }; Querystring: { fail?: string } }>(
    "/test/check/:id",
    { config: { access: { scope: "check", billable: true, publicTier: true } } },
    async (request, reply) => {
      if (request.query.fail !== undefined)
        return reply.code(400).send({ error: { code: "REQUEST_BAD_PARAMS" } });
      request.attribution = [...STAND_IN_ATTRIBUTION];
      return { id: request.params.id, verdict: "passed", accessor: request.accessor?.kind };
    },
  );
  fastify.get<{ Params: { id: string } }>(
    "/test/proof/:id",
    { config: { access: { scope: "proof", billable: true } } },
    async (request) => ({ id: request.params.id }),
  );
}

/** A plan small enough to run out of in a test: 5 calls a minute, 3 a month. */
export const TINY_ACCESS: AccessSettings = {
  publicTier: { ratePerMinute: 3 },
  plans: {
    tiny: {
      currency: "EUR",
      scopes: {
        check: { ratePerMinute: 5, monthlyQuota: 3, price: 7 },
        proof: { ratePerMinute: 2, monthlyQuota: 1_000, price: 1 },
      },
    },
    roomy: {
      currency: "USD",
      scopes: { check: { ratePerMinute: 10_000, monthlyQuota: 1_000_000, price: 10 } },
    },
  },
};
