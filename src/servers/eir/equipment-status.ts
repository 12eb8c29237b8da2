import { STATUS_CODES } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ERRORS, type ErrorCode } from "../../core/errors/catalogue.js";
import { isError } from "../../core/errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../core/identifiers/identifier.js";
import { parsePei } from "../../core/identifiers/pei.js";
import type { EquipmentCheck } from "../equipment-check.js";
import type { NodeMetrics } from "../metrics/node-metrics.js";
import type { AccessTokenVerifier } from "./access-token.js";

export interface EirDeps {
  /** The EIR answer (per subscriber when the request has a supi) and the observation it leaves. */
  readonly check: EquipmentCheck;
  readonly metrics: NodeMetrics;
  /** When set, every request needs an NRF-issued bearer token with the n5g-eir-eic scope. */
  readonly accessTokens?: AccessTokenVerifier | undefined;
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

/** ProblemDetails for a catalogue code: its HTTP status and, where it has one, its 3GPP cause. */
function problem(code: ErrorCode, detail: string): ProblemDetails {
  const spec: { readonly http: number; readonly cause?: string } = ERRORS[code];
  return {
    title: STATUS_CODES[spec.http] ?? "Error",
    status: spec.http,
    detail,
    ...(spec.cause === undefined ? {} : { cause: spec.cause }),
  };
}

/** 400 for a query parameter, with the cause of the code that refused it (INVALID_QUERY_PARAM). */
function badParam(
  param: string,
  reason: string,
  code: ErrorCode = "REQUEST_BAD_PARAMS",
): ProblemDetails {
  return {
    ...problem(code, `Invalid query parameter ${param}`),
    invalidParams: [{ param, reason }],
  };
}

/**
 * GET /n5g-eir-eic/v1/equipment-status (TS 29.511 §5.2.2.2): the status of a PEI, from the local
 * replica. The hot path parses the PEI by hand and reads the equipment index: no schema validation,
 * no per-request logging.
 */
export async function eirPlugin(fastify: FastifyInstance, deps: EirDeps): Promise<void> {
  const { check, metrics, accessTokens } = deps;

  // TS 29.511 lists 414: a request line this long carries no PEI worth parsing.
  fastify.addHook("onRequest", async (request, reply) => {
    if (request.url.length <= MAX_URI_LENGTH) return;
    metrics.eirRequests.inc({ status: "ERROR" });
    return sendProblem(
      reply,
      problem(
        "REQUEST_URI_TOO_LONG",
        `the request URI is longer than ${MAX_URI_LENGTH} characters`,
      ),
    );
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
    void sendProblem(reply, problem("INTERNAL", "The EIR could not answer."));
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
        return sendProblem(reply, badParam("pei", `${e.code}: ${e.message}`, e.code));
      }
      // With a supi, a device with genuine pairings answers per subscriber (docs/CLONES.md).
      const { status, refusal } = check.check({
        identifier: id,
        subscriber: typeof query.supi === "string" ? query.supi : undefined,
        protocol: "n5g-eir",
        network: `sbi:${request.ip}`,
        // With OAuth2 on, the onRequest hook has refused every request without a valid token.
        authenticated: accessTokens !== undefined,
      });
      if (status !== undefined) {
        metrics.eirRequests.inc({ status });
        return { status };
      }
      metrics.eirRequests.inc({ status: "UNKNOWN" });
      const code = refusal ?? "DEVICE_UNKNOWN";
      return sendProblem(reply, problem(code, ERRORS[code].message));
    },
  );

  // A method the resource does not support gets 405 with Allow (RFC 9110 §15.5.6). It is sent
  // from onRequest, before fastify looks at a body: QUERY without a Content-Type, or a POST with
  // a body of any type, still gets 405 and not a body-parsing error.
  const methodNotAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(
      reply.header("allow", "GET, HEAD"),
      problem("REQUEST_METHOD_NOT_ALLOWED", "equipment-status answers GET and HEAD only"),
    );
  fastify.route({
    method: ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY"],
    url: "/equipment-status",
    schema: { hide: true },
    onRequest: methodNotAllowed,
    handler: methodNotAllowed,
  });
}
