import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { EquipmentCheck } from "../equipment-check.js";
import { deviceOfRequest, subscriberOfRequest } from "./radius-check.js";
import type { RadiusMetrics } from "./radius-metrics.js";

export interface RlmRestDeps {
  /** The EIR answer, per subscriber when given (docs/CLONES.md), and the observation it leaves. */
  readonly check: EquipmentCheck;
  readonly metrics: RadiusMetrics;
  /**
   * The bearer token FreeRADIUS must send (Authorization: Bearer …); when set, a request without
   * it is refused 401 and every answered check counts as authenticated. Undefined: everyone is
   * answered, and no check is authenticated.
   */
  readonly token?: string | undefined;
}

export const RLM_REST_PREFIX = "/radius/v1";

/**
 * One attribute from an rlm_rest JSON body ({"Name": {"type", "value": [..]}}, body = 'json'),
 * a plain {"Name": "value"} body, or the query string (GET, names in any case).
 */
function attribute(
  body: unknown,
  query: Record<string, unknown>,
  name: string,
): string | undefined {
  if (typeof body === "object" && body !== null) {
    const v = (body as Record<string, unknown>)[name];
    if (typeof v === "string") return v;
    if (typeof v === "object" && v !== null) {
      const values = (v as { value?: unknown }).value;
      const first = Array.isArray(values) ? values[0] : values;
      if (typeof first === "string") return first;
    }
  }
  const q = query[name.toLowerCase()];
  return typeof q === "string" ? q : undefined;
}

const json = (reply: FastifyReply, status: number, body: object): FastifyReply =>
  reply.code(status).type("application/json").send(JSON.stringify(body));

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/**
 * Whether an Authorization header carries the token (RFC 6750 §2.1; the scheme name is
 * case-insensitive). Both sides are hashed first, so the comparison takes the same time whatever
 * the header's length and wherever it differs.
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const m = /^bearer +(\S+) *$/i.exec(authorization ?? "");
  const presented = digest(m?.[1] ?? "");
  return timingSafeEqual(presented, digest(token)) && m !== null;
}

/**
 * FreeRADIUS rlm_rest `authorize` (POST with body = 'json', or GET with query parameters), keyed
 * by Calling-Station-Id; the User-Name, unless it is the MAC again, is the subscriber a paired
 * device is answered for. Answers with what rlm_rest maps to module codes: 200 with
 * control:Auth-Type = Accept (updated) for an allowed device; 401 (reject) with a Reply-Message for
 * a blocked one, or an unknown one under the reject policy; 404 (notfound) when the request names
 * no MAC at all, so that other modules may decide.
 */
export async function rlmRestPlugin(fastify: FastifyInstance, deps: RlmRestDeps): Promise<void> {
  const { check, metrics, token } = deps;
  if (token !== undefined) {
    // A peer without the token learns nothing and moves nothing. FreeRADIUS reads 401 as reject,
    // so a FreeRADIUS with a wrong token fails closed, with this Reply-Message saying why.
    fastify.addHook("onRequest", async (request, reply) => {
      if (bearerTokenMatches(request.headers.authorization, token)) return;
      metrics.checks.inc({ via: "rlm_rest", answer: "unauthorized" });
      return json(reply.header("www-authenticate", 'Bearer realm="devicechain rlm_rest"'), 401, {
        "reply:Reply-Message": "devicechain: the rlm_rest token is missing or wrong",
      });
    });
  }
  const handler = async (
    request: { body: unknown; query: unknown; ip: string },
    reply: FastifyReply,
  ) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const callingStationId = attribute(request.body, query, "Calling-Station-Id");
    const userName = attribute(request.body, query, "User-Name");
    const device = deviceOfRequest(callingStationId, userName);
    if (!device) {
      return json(reply, 404, {
        "reply:Reply-Message": "devicechain: no device MAC in the request",
      });
    }
    const { status, known, admitted } = check.check({
      identifier: device,
      subscriber: subscriberOfRequest(userName, device),
      protocol: "rlm_rest",
      network:
        attribute(request.body, query, "NAS-Identifier") ??
        attribute(request.body, query, "NAS-IP-Address") ??
        request.ip,
      authenticated: token !== undefined,
    });
    metrics.checks.inc({ via: "rlm_rest", answer: admitted ? "accept" : "reject" });
    if (admitted) {
      return json(reply, 200, {
        "control:Auth-Type": "Accept",
        "reply:Reply-Message": `devicechain: ${device.display} ${status ?? "UNKNOWN"}`,
      });
    }
    return json(reply, 401, {
      "reply:Reply-Message": `devicechain: ${device.display} ${known ? "is blocked" : "is not registered"}`,
    });
  };
  const schema = {
    summary: "FreeRADIUS rlm_rest authorize: is this device MAC allowed on the network?",
    tags: ["RADIUS"],
    description:
      "Calling-Station-Id (else a MAC User-Name) from an rlm_rest JSON body or the query string; a User-Name that is not the MAC is the subscriber, answered per subscriber for a device with genuine pairings. 200 {control:Auth-Type: Accept}; 401 for a blocked device (or an unknown one under radiusUnknownMac reject); 404 when no MAC is given.",
  };
  fastify.post("/authorize", { schema }, handler);
  fastify.get("/authorize", { schema }, handler);
}
