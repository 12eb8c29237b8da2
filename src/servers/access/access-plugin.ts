/**
 * Paid access: the hooks every route with `config.access` gets (access-context.ts is the
 * contract). Before the handler, in this order, each refusal coded:
 *   the key (Authorization: Bearer, or X-Api-Key), looked up by hash on every request
 *   (ACCESS_KEY_REQUIRED, ACCESS_KEY_INVALID, ACCESS_KEY_REVOKED), or the public tier by address
 *   where the route allows it → its plan and scope (ACCESS_PLAN_UNKNOWN, ACCESS_SCOPE_FORBIDDEN)
 *   → the rate, by @fastify/rate-limit (429 ACCESS_RATE_LIMITED, Retry-After, RateLimit-*)
 *   → the monthly quota of a billable route (402 ACCESS_QUOTA_EXCEEDED).
 * On a billable route, once the body is parsed (a preHandler), a client's request id
 * (Idempotency-Key, else X-Request-Id) is checked before the quota: the same call (method, URL
 * with its query, and body) under an id already metered,
 * within 24 hours of the first, is a retry: answered, not billed, not counted against the quota;
 * any other reuse of the id is refused before the handler runs (409 ACCESS_REQUEST_ID_REUSED),
 * and nothing is stored. Without a client id the node makes one, and nothing is looked up.
 * After the handler, a billable 2xx answer by a key is metered (committed, access-book.ts says
 * how durably) before it leaves; if the record cannot be written the answer is replaced by 503
 * ACCESS_METERING_FAILED.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import type {
  FastifyInstance,
  FastifyRequest,
  onRequestHookHandler,
  onSendHookHandler,
  preHandlerHookHandler,
  RouteOptions,
} from "fastify";
import { makeError } from "../../core/errors/devicechain-error.js";
import { apiKeyHash, apiKeyId } from "../../core/usage/api-key.js";
import { monthMemo } from "../../core/usage/month-memo.js";
import { nextMonthStart } from "../../core/usage/usage-month.js";
import { normalizeAddress } from "../remote-address.js";
import type { AccessBook, ApiKeyRecord } from "./access-book.js";
import type { Accessor, AccessScope, RouteAccess } from "./access-context.js";
import type { AccessSettings, Plan, ScopeTerms } from "./access-plans.js";

export interface AccessDeps {
  readonly book: AccessBook;
  readonly settings: AccessSettings;
  /** ms since the epoch; a test may hand in its own. */
  readonly now?: () => number;
}

/** Request ids a client may send: short, printable, no room for anything else. */
const REQUEST_ID = /^[A-Za-z0-9._:/-]{1,128}$/;
const MINUTE_MS = 60_000;
/** How long a request id stays a retry of its first call. */
export const RETRY_WINDOW_MS = 24 * 60 * 60_000;
/** Distinct keys and addresses the limiter remembers per window (its LRU). */
const LIMITER_ENTRIES = 100_000;

/** A billable call waiting for its answer. */
interface PendingMeter {
  readonly record: ApiKeyRecord;
  readonly plan: Plan;
  readonly scope: AccessScope;
  readonly requestId: string;
  /** The node made the id: new by construction. */
  readonly fresh: boolean;
  readonly call: string;
  readonly time: number;
}

/**
 * Which answers bill: 2xx only. A refusal (4xx: validation, an unknown route, the access checks
 * themselves) and a failure of the node (5xx) cost the caller nothing.
 */
export const bills = (status: number): boolean => status >= 200 && status < 300;

async function accessPluginImpl(fastify: FastifyInstance, deps: AccessDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const monthOf = monthMemo();
  const { book, settings } = deps;
  const pending = new WeakMap<FastifyRequest, PendingMeter>();
  /** A billable request by a key, authenticated: what its preHandler bills it under. */
  const keyed = new WeakMap<
    FastifyRequest,
    { readonly record: ApiKeyRecord; readonly plan: Plan; readonly terms: ScopeTerms }
  >();

  await fastify.register(rateLimit, {
    global: false,
    enableDraftSpec: true,
    cache: LIMITER_ENTRIES,
  });
  // One limiter: the key of a request names the key id (or address) and the scope, and its
  // maximum is the plan's rate for that scope.
  const limit = fastify.rateLimit({
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => limiterKey(request),
    max: (request) => rateOf(request),
    errorResponseBuilder: (_request, context) =>
      makeError("ACCESS_RATE_LIMITED", `Rate limit exceeded, retry in ${context.after}`, {
        data: { limit: context.max, retryAfterMs: context.ttl },
      }),
  });

  const scopeOf = (request: FastifyRequest): RouteAccess =>
    request.routeOptions.config.access as RouteAccess;
  const limiterKey = (request: FastifyRequest): string => {
    const a = request.accessor as Accessor;
    const scope = scopeOf(request).scope;
    return a.kind === "key" ? `key:${a.keyId}:${scope}` : `ip:${a.address}`;
  };
  const rateOf = (request: FastifyRequest): number => {
    const a = request.accessor as Accessor;
    if (a.kind === "public") return settings.publicTier.ratePerMinute;
    return settings.plans[a.plan]?.scopes[scopeOf(request).scope]?.ratePerMinute ?? 0;
  };

  const authenticate: onRequestHookHandler = async (request, reply) => {
    const access = scopeOf(request);
    const presented = presentedKey(request);
    if (presented === undefined) {
      if (access.publicTier !== true) throw makeError("ACCESS_KEY_REQUIRED");
      request.accessor = { kind: "public", address: normalizeAddress(request.ip) };
      await limit.call(fastify, request, reply);
      return;
    }
    const record = checkKey(book, presented);
    const plan = settings.plans[record.plan];
    if (plan === undefined) {
      throw makeError("ACCESS_PLAN_UNKNOWN", `The key's plan ${record.plan} is not offered here`);
    }
    const terms = plan.scopes[access.scope];
    if (terms === undefined || !record.scopes.includes(access.scope)) {
      throw makeError("ACCESS_SCOPE_FORBIDDEN", `The key does not have the ${access.scope} scope`, {
        data: { scope: access.scope },
      });
    }
    request.accessor = {
      kind: "key",
      keyId: record.keyId,
      org: record.org,
      plan: record.plan,
      scopes: record.scopes,
    };
    await limit.call(fastify, request, reply);
    if (access.billable) keyed.set(request, { record, plan, terms });
  };

  /**
   * Before the handler of a billable route, once the body is parsed (a retry is the same call,
   * body included: otherwise one id would buy a new bulk answer for every body): the request id,
   * a retry or a reuse, and the quota.
   */
  const bill: preHandlerHookHandler = async (request, reply) => {
    const k = keyed.get(request);
    if (k === undefined) return;
    keyed.delete(request);
    const { record, plan, terms } = k;
    const access = scopeOf(request);
    const time = now();
    const given = clientRequestId(request);
    const requestId = given ?? randomUUID();
    const call = given === undefined ? "" : callHash(request.method, request.url, request.body);
    if (given !== undefined) {
      const first = book.firstUse(record.keyId, given, time);
      if (first !== undefined) {
        if (first.call !== call || time - first.time >= RETRY_WINDOW_MS) {
          throw makeError("ACCESS_REQUEST_ID_REUSED", undefined, {
            data: { requestId: given },
          });
        }
        // A retry of a call already billed: answered, not billed again.
        void reply.header("x-request-id", given);
        return;
      }
    }
    const month = monthOf(time);
    if (book.used(record.keyId, access.scope, month) >= terms.monthlyQuota) {
      const resetsAt = new Date(nextMonthStart(month)).toISOString();
      throw makeError(
        "ACCESS_QUOTA_EXCEEDED",
        `The ${access.scope} quota for ${month} is used up`,
        {
          data: { scope: access.scope, month, quota: terms.monthlyQuota, resetsAt },
        },
      );
    }
    void reply.header("x-request-id", requestId);
    pending.set(request, {
      record,
      plan,
      scope: access.scope,
      requestId,
      fresh: given === undefined,
      call,
      time,
    });
  };

  const meter: onSendHookHandler = async (request, reply, payload) => {
    const call = pending.get(request);
    if (call === undefined) return payload;
    // Taken once: the 503 below passes through this hook again.
    pending.delete(request);
    if (!bills(reply.statusCode)) return payload;
    const terms = call.plan.scopes[call.scope];
    try {
      const record = {
        requestId: call.requestId,
        time: call.time,
        org: call.record.org,
        keyId: call.record.keyId,
        plan: call.record.plan,
        scope: call.scope,
        route: request.routeOptions.url ?? "",
        status: reply.statusCode,
        price: terms?.price ?? 0,
        currency: call.plan.currency,
        call: call.call,
        attribution: [...(request.attribution ?? [])],
      };
      await book.meter(record, { fresh: call.fresh });
    } catch (cause) {
      request.log.error({ err: cause }, "metering failed: the answer is withheld");
      throw makeError("ACCESS_METERING_FAILED", undefined, { cause });
    }
    return payload;
  };

  fastify.addHook("onRoute", (route: RouteOptions) => {
    const access = route.config?.access;
    if (access === undefined) return;
    route.onRequest = [...asArray(route.onRequest), authenticate];
    if (access.billable) {
      route.preHandler = [bill, ...asArray(route.preHandler)];
      route.onSend = [...asArray(route.onSend), meter];
    }
  });
}

function asArray<T>(hooks: T | readonly T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? [...(hooks as readonly T[])] : [hooks as T];
}

/** The key the request presents (Authorization: Bearer first, then X-Api-Key), or undefined. */
function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer +(\S+) *$/i.exec(auth);
    if (!m?.[1]) throw makeError("ACCESS_KEY_INVALID", "Authorization is Bearer <key>");
    return m[1];
  }
  const header = request.headers["x-api-key"];
  if (header === undefined) return undefined;
  if (typeof header !== "string") throw makeError("ACCESS_KEY_INVALID", "One X-Api-Key header");
  return header.trim();
}

/** The stored record of a presented key: known, the hash matching, not revoked. */
function checkKey(book: AccessBook, presented: string): ApiKeyRecord {
  const keyId = apiKeyId(presented);
  const record = keyId === undefined ? undefined : book.key(keyId);
  if (record === undefined || !sameHash(record.hash, apiKeyHash(presented))) {
    throw makeError("ACCESS_KEY_INVALID");
  }
  // Said only to the holder of the secret: a guesser learns nothing about which ids exist.
  if (record.revoked !== undefined) throw makeError("ACCESS_KEY_REVOKED");
  return record;
}

const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The client's Idempotency-Key, else its X-Request-Id, else undefined. */
function clientRequestId(request: FastifyRequest): string | undefined {
  const given = request.headers["idempotency-key"] ?? request.headers["x-request-id"];
  if (given === undefined) return undefined;
  if (typeof given !== "string" || !REQUEST_ID.test(given)) {
    throw makeError("ACCESS_REQUEST_ID_INVALID");
  }
  return given;
}

/**
 * What tells a retry from another call under the same request id: SHA-256 (hex) of the method,
 * the URL with its query and the parsed body, if any. Only the hash is stored: the URL and the
 * body name the identifiers asked about.
 */
export function callHash(method: string, url: string, body?: unknown): string {
  const hash = createHash("sha256").update(`${method} ${url}`);
  if (body !== undefined) hash.update(`\n${JSON.stringify(body)}`);
  return hash.digest("hex");
}

/** Registered before the routes it guards, without encapsulation, so its onRoute hook sees them. */
export const accessPlugin = Object.assign(accessPluginImpl, {
  // fastify's documented marker (what fastify-plugin sets): the hooks apply to the whole server.
  [Symbol.for("skip-override")]: true,
});
