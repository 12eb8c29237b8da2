import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ERRORS } from "../../core/errors/catalogue.js";
import { isError } from "../../core/errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../core/identifiers/identifier.js";
import { parsePei } from "../../core/identifiers/pei.js";
import type { StatusOf } from "../../core/state/equipment-status.js";
import type { CheckObservation } from "../check-observation.js";
import type { NodeMetrics } from "../metrics/node-metrics.js";
import type { AccessTokenVerifier } from "./access-token.js";

/** What the EIR answers for a device the registry does not know: 404, or a fixed status. */
export const UNKNOWN_DEVICE_POLICIES = ["reject", "WHITELISTED", "GREYLISTED"] as const;
export type UnknownDevicePolicy = (typeof UNKNOWN_DEVICE_POLICIES)[number];

export interface EirDeps {
  /** The EIR answer from committed state, per subscriber when given; undefined for an unknown device. */
  readonly statusOf: StatusOf;
  readonly unknownDevicePolicy: UnknownDevicePolicy;
  readonly metrics: NodeMetrics;
  /** When set, every request needs an NRF-issued bearer token with the n5g-eir-eic scope. */
  readonly accessTokens?: AccessTokenVerifier | undefined;
  /** Called with every answer given, for the node's observation log. */
  readonly observe?: ((check: CheckObservation) => void) | undefined;
}

/** TS 29.571 InvalidParam. */
interface InvalidParam {
  readonly param: string;
  readonly reason: string;
}

/** TS 29.571 ProblemDetails. */
interface ProblemDetails {
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly cause?: string;
  readonly invalidParams?: readonly InvalidParam[];
}

export const EIR_PREFIX = "/n5g-eir-eic/v1";

/** Longer request URIs get 414; node's own header limit (16 KiB) refuses far longer ones. */
const MAX_URI_LENGTH = 4_096;

const PROBLEM_JSON = "application/problem+json";

/**
 * The optional query parameters, with the patterns of their TS 29.571 types (Supi, Gpsi,
 * SupportedFeatures), verbatim. A value that does not match, or a repeated parameter, gets 400.
 */
const QUERY_PATTERNS: readonly (readonly [string, RegExp])[] = [
  ["supi", /^(imsi-[0-9]{5,15}|nai-.+|gci-.+|gli-.+|.+)$/],
  ["gpsi", /^(msisdn-[0-9]{5,15}|extid-[^@]+@[^@]+|.+)$/],
  ["supported-features", /^[A-Fa-f0-9]*$/],
];

function sendProblem(reply: FastifyReply, problem: ProblemDetails): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_JSON).send(JSON.stringify(problem));
}

function badParam(param: string, reason: string): ProblemDetails {
  return {
    title: "Bad Request",
    status: 400,
    detail: `Invalid query parameter ${param}`,
    cause: "INVALID_QUERY_PARAM",
    invalidParams: [{ param, reason }],
  };
}

/**
 * GET /n5g-eir-eic/v1/equipment-status (TS 29.511 §5.2.2.2): the status of a PEI, from the local
 * replica. The hot path parses the PEI by hand and reads the equipment index: no schema validation,
 * no per-request logging.
 */
export async function eirPlugin(fastify: FastifyInstance, deps: EirDeps): Promise<void> {
  const { statusOf, unknownDevicePolicy, metrics, accessTokens, observe } = deps;

  // TS 29.511 lists 414: a request line this long carries no PEI worth parsing.
  fastify.addHook("onRequest", async (request, reply) => {
    if (request.url.length <= MAX_URI_LENGTH) return;
    metrics.eirRequests.inc({ status: "ERROR" });
    return sendProblem(reply, {
      title: "URI Too Long",
      status: 414,
      detail: `the request URI is longer than ${MAX_URI_LENGTH} characters`,
    });
  });

  if (accessTokens) {
    // TS 29.500 §5.2.7.2 and RFC 6750 §3: 401 or 403 with a Bearer challenge, before anything else.
    fastify.addHook("onRequest", async (request, reply) => {
      const verdict = accessTokens.check(request.headers.authorization);
      if (verdict.ok) return;
      metrics.eirRequests.inc({ status: "UNAUTHORIZED" });
      return sendProblem(reply.header("www-authenticate", verdict.challenge), {
        title: verdict.status === 401 ? "Unauthorized" : "Forbidden",
        status: verdict.status,
        detail: verdict.detail,
      });
    });
  }

  fastify.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, "equipment-status failed");
    metrics.eirRequests.inc({ status: "ERROR" });
    void sendProblem(reply, {
      title: "Internal Server Error",
      status: 500,
      detail: "The EIR could not answer.",
      cause: "SYSTEM_FAILURE",
    });
  });

  fastify.get(
    "/equipment-status",
    {
      schema: {
        summary: "The equipment status of a PEI (TS 29.511 GetEquipmentStatus)",
        tags: ["N5g-eir"],
        querystring: {
          type: "object",
          required: ["pei"],
          properties: {
            pei: { type: "string", description: "imei-…, imeisv-…, mac-…, eui-…" },
            supi: { type: "string" },
            gpsi: { type: "string" },
            "supported-features": { type: "string" },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["status"],
            properties: {
              status: { type: "string", enum: ["WHITELISTED", "BLACKLISTED", "GREYLISTED"] },
            },
          },
        },
      },
      // Validation is done by hand below so that a bad PEI gets a TS 29.571 invalidParams answer.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const pei = query.pei;
      if (typeof pei !== "string" || pei === "") {
        metrics.eirRequests.inc({ status: "ERROR" });
        return sendProblem(reply, badParam("pei", "pei is required"));
      }
      for (const [name, pattern] of QUERY_PATTERNS) {
        const v = query[name];
        if (v !== undefined && (typeof v !== "string" || v.length > 256 || !pattern.test(v))) {
          metrics.eirRequests.inc({ status: "ERROR" });
          return sendProblem(
            reply,
            badParam(name, `${name} must be one value matching ${pattern.source}`),
          );
        }
      }
      let id: DeviceIdentifier;
      try {
        id = parsePei(pei);
      } catch (e) {
        if (!isError(e)) throw e;
        metrics.eirRequests.inc({ status: "ERROR" });
        return sendProblem(reply, badParam("pei", `${e.code}: ${e.message}`));
      }
      // With a supi, a device with genuine pairings answers per subscriber (docs/CLONES.md).
      const status = statusOf(id.key, typeof query.supi === "string" ? query.supi : undefined);
      observe?.({
        identifier: id.key,
        subscriber: typeof query.supi === "string" ? query.supi : undefined,
        network: `sbi:${request.ip}`,
        protocol: "n5g-eir",
        answer: status ?? (unknownDevicePolicy === "reject" ? "UNKNOWN" : unknownDevicePolicy),
        // With OAuth2 on, the onRequest hook has refused every request without a valid token.
        authenticated: accessTokens !== undefined,
      });
      if (status !== undefined) {
        metrics.eirRequests.inc({ status });
        return { status };
      }
      if (unknownDevicePolicy !== "reject") {
        metrics.eirRequests.inc({ status: unknownDevicePolicy });
        return { status: unknownDevicePolicy };
      }
      metrics.eirRequests.inc({ status: "UNKNOWN" });
      return sendProblem(reply, {
        title: "Not Found",
        status: 404,
        detail: ERRORS.DEVICE_UNKNOWN.message,
        cause: "ERROR_EQUIPMENT_UNKNOWN",
      });
    },
  );

  // A method the resource does not support gets 405 with Allow (RFC 9110 §15.5.6). It is sent
  // from onRequest, before fastify looks at a body: QUERY without a Content-Type, or a POST with
  // a body of any type, still gets 405 and not a body-parsing error.
  const methodNotAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(reply.header("allow", "GET, HEAD"), {
      title: "Method Not Allowed",
      status: 405,
      detail: "equipment-status answers GET and HEAD only",
      cause: "METHOD_NOT_ALLOWED",
    });
  fastify.route({
    method: ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY"],
    url: "/equipment-status",
    schema: { hide: true },
    onRequest: methodNotAllowed,
    handler: methodNotAllowed,
  });
}
