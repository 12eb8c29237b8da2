import type { Server } from "node:http";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import { makeError } from "../core/errors/devicechain-error.js";
import { TX_TYPES } from "../core/tx/tx-type.js";
import type { LedgerApp } from "../ledger/application.js";
import { CheckReads } from "../ledger/read/check-reads.js";
import { type AccessDeps, accessPlugin } from "./access/access-plugin.js";
import { type CheckReportDeps, checkPlugin } from "./check/check-routes.js";
import { ownershipRoutes } from "./check/ownership-routes.js";
import { proofRoutes } from "./check/proof-routes.js";
import { type ConnectionPolicy, connectionMetrics } from "./connection-policy.js";
import type { AccessTokenVerifier } from "./eir/access-token.js";
import { EIR_PREFIX, eirPlugin } from "./eir/equipment-status.js";
import type { EquipmentCheck } from "./equipment-check.js";
import { eventsPlugin } from "./events/events-plugin.js";
import { attestationRoutes } from "./orders/attestation-routes.js";
import { ChallengeStore } from "./orders/challenge-store.js";
import { webhookPlugin } from "./push/webhook-plugin.js";
import type { WebhookRegistry } from "./push/webhook-registry.js";
import { radiusMetrics } from "./radius/radius-metrics.js";
import { RLM_REST_PREFIX, rlmRestPlugin } from "./radius/rlm-rest-plugin.js";
import { errorBody, routerError, toDevicechainError } from "./rest/error-reply.js";
import { excerpt } from "./rest/input-excerpt.js";
import type { RestDeps } from "./rest/rest-deps.js";
import { restPlugin } from "./rest/rest-plugin.js";
import { SbiServer } from "./sbi-server.js";
import type { WatchRegistry } from "./watch/watch-registry.js";
import { watchRoutes } from "./watch/watch-routes.js";

export interface HttpServerDeps extends RestDeps {
  /** Announces committed blocks to the event streams. */
  readonly app: LedgerApp;
  readonly logger: Logger;
  /** What N5g-eir and rlm_rest ask for every answer, and what records its observation. */
  readonly check: EquipmentCheck;
  readonly version: string;
  /** When set, the N5g-eir service requires NRF-issued bearer tokens. */
  readonly accessTokens?: AccessTokenVerifier | undefined;
  /** Webhook subscriptions; undefined leaves the /v1/webhooks routes out. */
  readonly push?: WebhookRegistry | undefined;
  /** Watches (the push service too); undefined leaves the /v1/watches routes out. */
  readonly watches?: WatchRegistry | undefined;
  /** The bearer token rlm_rest requests must carry; undefined answers everyone, unauthenticated. */
  readonly rlmRestToken?: string | undefined;
  /** The deadlines and limits every connection on the port follows. */
  readonly connections: ConnectionPolicy;
  /** The TAC database, node key and proofs of check reports; undefined leaves /v1/check out. */
  readonly checkReports?: CheckReportDeps | undefined;
  /** Paid access: API keys, plans, rate limits and metering for routes with config.access. */
  readonly access: AccessDeps;
  /** Device attestation's node-local challenges; a fresh in-memory store when not given. */
  readonly challenges?: ChallengeStore | undefined;
}

/** The node's HTTP/1.1 server: OpenAPI docs, the REST API, events and the N5g-eir service. */
export async function buildHttpServer(deps: HttpServerDeps): Promise<FastifyInstance> {
  const fastify = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One log line per request would cost more than the EIR answer itself; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    // An idle keep-alive connection must not hold up a shutdown.
    forceCloseConnections: "idle",
    return503OnClosing: true,
    // h2c with prior knowledge and HTTP/1.1 on the same port.
    serverFactory: (handler) =>
      new SbiServer(handler as never, {
        policy: deps.connections,
        metrics: connectionMetrics(deps.metrics.registry),
      }) as unknown as Server,
    // The router's own errors (a bad percent-encoding, a path segment over maxParamLength) get
    // the documented body too, without the URL they would repeat whole.
    frameworkErrors: (raw, request, reply) => {
      const e = routerError(raw, request.url) ?? toDevicechainError(raw);
      void (reply as FastifyReply).code(e.httpStatus).send(errorBody(e));
    },
  });
  await fastify.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "devicechain node API",
        version: deps.version,
        description:
          "REST API of a devicechain node: submit signed transactions, query devices, blocks and members, stream committed events, and the TS 29.511 N5g-eir equipment-status service. Errors are {error: {code, message, data?}} with codes from the error catalogue.",
      },
      // Documentation only (POST /v1/txs validates the type itself, as TX_UNKNOWN_TYPE).
      components: { schemas: { TxType: { type: "string", enum: [...TX_TYPES] } } },
    },
  });
  // The docs' static files, behind a guard: a path with a ".." segment is not there.
  await fastify.register(async (docs) => {
    docs.addHook("onRequest", refuseTraversal);
    await docs.register(swaggerUi, { routePrefix: "/docs" });
  });
  fastify.get("/openapi.json", { schema: { hide: true } }, async () => fastify.swagger());

  fastify.setErrorHandler((raw, request, reply) => {
    const e = toDevicechainError(raw);
    if (e.httpStatus >= 500) request.log.error({ err: raw }, e.message);
    void reply.code(e.httpStatus).send(errorBody(e));
  });
  fastify.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const e = makeError("NOT_FOUND", `No route ${excerpt(request.method, 16)} ${excerpt(path)}`);
    void reply.code(404).send(errorBody(e));
  });

  // Before every route it guards: its onRoute hook adds the hooks to routes with config.access.
  await fastify.register(accessPlugin, deps.access);
  await fastify.register(restPlugin, deps);
  await fastify.register(ownershipRoutes, { reads: deps.reads });
  await fastify.register(attestationRoutes, {
    reads: deps.reads,
    challenges: deps.challenges ?? new ChallengeStore(),
  });
  if (deps.proofs) await fastify.register(proofRoutes, { reads: deps.reads, proofs: deps.proofs });
  await fastify.register(eventsPlugin, { commits: deps.app, reads: deps.reads });
  if (deps.push) await fastify.register(webhookPlugin, { reads: deps.reads, push: deps.push });
  if (deps.watches) {
    await fastify.register(watchRoutes, { reads: deps.reads, watches: deps.watches });
  }
  if (deps.checkReports) {
    await fastify.register(checkPlugin, {
      ...deps.checkReports,
      proofs: deps.proofs,
      reads: new CheckReads(deps.app.store),
    });
  }
  await fastify.register(eirPlugin, {
    prefix: EIR_PREFIX,
    check: deps.check,
    accessTokens: deps.accessTokens,
    metrics: deps.metrics,
  });
  await fastify.register(rlmRestPlugin, {
    prefix: RLM_REST_PREFIX,
    check: deps.check,
    metrics: radiusMetrics(deps.metrics.registry),
    token: deps.rlmRestToken,
  });
  return fastify;
}

/** A ".." path segment, after percent-decoding; either slash separates segments. */
const UP_SEGMENT = /(?:^|[/\\])\.\.(?:[/\\]|$)/;

/** Refuse a path that would climb out of a folder as not found, before any file is looked up. */
async function refuseTraversal(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const path = request.url.split("?")[0] ?? "";
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not decodable: the router has refused it already, and ".." may still be there as is.
  }
  if (UP_SEGMENT.test(path) || UP_SEGMENT.test(decoded)) {
    throw makeError("NOT_FOUND", `Nothing is served at ${excerpt(path)}`);
  }
}
