import type { Server } from "node:http";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import { makeError } from "../core/errors/devicechain-error.js";
import type { CheckObservation } from "./check-observation.js";
import { type ConnectionPolicy, connectionMetrics } from "./connection-policy.js";
import type { AccessTokenVerifier } from "./eir/access-token.js";
import { EIR_PREFIX, eirPlugin, type UnknownDevicePolicy } from "./eir/equipment-status.js";
import { eventsPlugin } from "./events/events-plugin.js";
import { webhookPlugin } from "./push/webhook-plugin.js";
import type { WebhookRegistry } from "./push/webhook-registry.js";
import type { RadiusCheckHook } from "./radius/radius-check.js";
import type { RadiusUnknownMacPolicy } from "./radius/radius-clients.js";
import { radiusMetrics } from "./radius/radius-metrics.js";
import { RLM_REST_PREFIX, rlmRestPlugin } from "./radius/rlm-rest-plugin.js";
import { errorBody, toDevicechainError } from "./rest/error-reply.js";
import type { RestDeps } from "./rest/rest-deps.js";
import { restPlugin } from "./rest/rest-plugin.js";
import { SbiServer } from "./sbi-server.js";

export interface HttpServerDeps extends RestDeps {
  readonly logger: Logger;
  readonly unknownDevicePolicy: UnknownDevicePolicy;
  readonly version: string;
  /** When set, the N5g-eir service requires NRF-issued bearer tokens. */
  readonly accessTokens?: AccessTokenVerifier | undefined;
  /** Webhook subscriptions; undefined leaves the /v1/webhooks routes out. */
  readonly push?: WebhookRegistry | undefined;
  /** Receives every N5g-eir answer, for the observation log. */
  readonly observe?: ((check: CheckObservation) => void) | undefined;
  /** What the rlm_rest endpoint answers for an unknown MAC; reject by default. */
  readonly radiusUnknownMac?: RadiusUnknownMacPolicy;
  /** Called for every device check the rlm_rest endpoint answers (tracing). */
  readonly onRadiusCheck?: RadiusCheckHook | undefined;
  /** The deadlines and limits every connection on the port follows. */
  readonly connections: ConnectionPolicy;
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
    },
  });
  await fastify.register(swaggerUi, { routePrefix: "/docs" });
  fastify.get("/openapi.json", { schema: { hide: true } }, async () => fastify.swagger());

  fastify.setErrorHandler((raw, _request, reply) => {
    const e = toDevicechainError(raw);
    void reply.code(e.httpStatus).send(errorBody(e));
  });
  fastify.setNotFoundHandler((request, reply) => {
    const e = makeError("NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}`);
    void reply.code(404).send(errorBody(e));
  });

  await fastify.register(restPlugin, deps);
  await fastify.register(eventsPlugin, { app: deps.app });
  if (deps.push) await fastify.register(webhookPlugin, { app: deps.app, push: deps.push });
  const store = deps.app.store;
  await fastify.register(eirPlugin, {
    prefix: EIR_PREFIX,
    statusOf: (key, subscriber) => store.equipmentStatus(key, subscriber),
    unknownDevicePolicy: deps.unknownDevicePolicy,
    accessTokens: deps.accessTokens,
    observe: deps.observe,
    metrics: deps.metrics,
  });
  await fastify.register(rlmRestPlugin, {
    prefix: RLM_REST_PREFIX,
    statusOf: (key, subscriber) => store.equipmentStatus(key, subscriber),
    unknownMac: deps.radiusUnknownMac ?? "reject",
    metrics: radiusMetrics(deps.metrics.registry),
    ...(deps.onRadiusCheck ? { onCheck: deps.onRadiusCheck } : {}),
  });
  return fastify;
}
