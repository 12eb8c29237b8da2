import type { FastifyInstance, FastifyRequest } from "fastify";
import { fromBase64Url, fromUtf8 } from "../../core/encoding/bytes.js";
import { isError, makeError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import type { Device } from "../../core/state/device.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";
import { openEventStream, sseFrame } from "../events/event-stream.js";
import { type SignedRequest, verifySignedRequest } from "../push/signed-request.js";
import { parseUrl } from "../push/webhook-plugin.js";
import { errorBody } from "../rest/error-reply.js";
import { excerpt } from "../rest/input-excerpt.js";
import { anyObject } from "../rest/rest-deps.js";
import type { Watch, WatchEvent, WatchRegistry, WatchWebhook } from "./watch-registry.js";

export interface WatchDeps {
  readonly reads: LedgerReads;
  readonly watches: WatchRegistry;
  readonly now?: () => number;
}

/** The most devices one watch names. */
export const MAX_WATCH_DEVICES = 1_000;
export const MAX_WATCH_DAYS = 90;
export const DEFAULT_WATCH_DAYS = 30;
/** 1,000 identifiers in any written form, a webhook, and a signature fit well within this. */
const BODY_LIMIT = 96 * 1024;
/** A stream that has this much unsent data is too slow and is dropped. */
const MAX_BUFFERED = 1024 * 1024;

/**
 * What a member signs for each operation (request.op); an API key needs no signature. A request
 * signed for one watch operation is refused by every other, and by the webhook routes.
 */
const OPS = {
  create: "watch",
  list: "watch.list",
  get: "watch.get",
  remove: "watch.delete",
  events: "watch.events",
} as const;
type Op = (typeof OPS)[keyof typeof OPS];

/** Creating a watch is billed to the key's organisation; reading and removing are not. */
const billed = { access: { scope: "watch", billable: true, publicTier: true } } as const;
const free = { access: { scope: "watch", billable: false, publicTier: true } } as const;

const signedQuery = {
  type: "object",
  properties: {
    request: { type: "string", maxLength: 4_096 },
    sig: { type: "string", maxLength: 256 },
  },
  additionalProperties: false,
} as const;

const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", maxLength: 64 } },
} as const;

/**
 * Watches: named devices followed for 1 to 90 days, each change delivered to a webhook (signed as
 * webhooks are) or over server-sent events. An API key with the watch scope (paid access) owns
 * its watches by organisation; an active member owns its own, with requests signed by its key.
 */
export async function watchRoutes(fastify: FastifyInstance, deps: WatchDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const open = new Set<() => void>();
  fastify.addHook("preClose", async () => {
    for (const end of open) end();
  });

  /**
   * Who is asking: an API key's organisation ("org:<name>"), or an active member whose key signed
   * the request for this operation (and, for one watch, this id).
   */
  function ownerOf(request: FastifyRequest, signed: SignedRequest | undefined, op: Op): string {
    const accessor = request.accessor;
    if (accessor?.kind === "key") {
      if (!accessor.scopes.includes("watch")) {
        throw makeError("WATCH_NOT_ALLOWED", "This API key has no watch scope");
      }
      return `org:${accessor.org}`;
    }
    if (!signed) throw makeError("WATCH_UNAUTHENTICATED");
    const account = verifySignedRequest(deps.reads, now(), signed, op);
    if (!account.member) throw makeError("WATCH_NOT_ALLOWED");
    if (account.member.status !== "active") throw makeError("MEMBER_SUSPENDED");
    return account.member.id;
  }

  /** The owner of a request to one watch, which a member's signature must name. */
  function ownerFor(request: FastifyRequest, op: Op, id: string): string {
    const signed = signedFromQuery(request.query as { request?: string; sig?: string });
    const owner = ownerOf(request, signed, op);
    if (signed && signed.request.id !== id) {
      throw makeError("REQUEST_BAD_PARAMS", "request.id must be the id of the watch");
    }
    return owner;
  }

  function found(request: FastifyRequest, op: Op): Watch {
    const { id } = request.params as { id: string };
    const owner = ownerFor(request, op, id);
    const w = deps.watches.watch(id, owner);
    if (!w) throw makeError("NOT_FOUND", `No watch ${excerpt(id)} for ${excerpt(owner)}`);
    return w;
  }

  fastify.post(
    "/v1/watches",
    {
      bodyLimit: BODY_LIMIT,
      config: billed,
      schema: {
        summary: "Watch devices for 1 to 90 days (an API key with the watch scope, or a member)",
        description:
          "Body: {devices: [identifier, any form; at most 1,000], days?: 1..90 (30), webhook?: {url, signing?: ed25519 | hmac-sha256, secret?}}. With an API key (Authorization: Bearer), the body as is; a member sends {request: {chain, key, time (ms), op: watch, devices, days?, webhook?}, sig: Ed25519 over the RFC 8785 canonical JSON of request}. Without a webhook, follow GET /v1/watches/{id}/events. Identifiers not registered yet are watched too, and report once a device is registered under them.",
        tags: ["watches"],
        body: anyObject,
      },
    },
    async (request, reply) => {
      const body = request.body as Record<string, unknown>;
      const signed = isSigned(body) ? body : undefined;
      const owner = ownerOf(request, signed, OPS.create);
      const fields = signed ? signed.request : body;
      const devices = resolveDevices(deps.reads, fields.devices);
      const days = fields.days ?? DEFAULT_WATCH_DAYS;
      if (
        !Number.isSafeInteger(days) ||
        (days as number) < 1 ||
        (days as number) > MAX_WATCH_DAYS
      ) {
        throw makeError("REQUEST_BAD_PARAMS", `days must be an integer, 1 to ${MAX_WATCH_DAYS}`);
      }
      const webhook = fields.webhook === undefined ? undefined : parseWebhook(fields.webhook);
      const w = await deps.watches.createWatch({
        owner,
        devices: devices.keys,
        days: days as number,
        ...(webhook ? { webhook } : {}),
      });
      return reply.code(201).send({ ...view(w), unregistered: devices.unregistered });
    },
  );

  fastify.get(
    "/v1/watches",
    {
      config: free,
      schema: {
        summary: "Your watches that have not expired, oldest first",
        description:
          "With an API key, its organisation's watches; a member adds ?request=<base64url of the JSON {chain, key, time, op: watch.list}>&sig=<base64url Ed25519 over its canonical JSON>.",
        tags: ["watches"],
        querystring: signedQuery,
      },
    },
    async (request) => {
      const signed = signedFromQuery(request.query as { request?: string; sig?: string });
      const owner = ownerOf(request, signed, OPS.list);
      return { owner, watches: deps.watches.watches(owner).map(view) };
    },
  );

  fastify.get(
    "/v1/watches/:id",
    {
      config: free,
      schema: {
        summary: "One of your watches",
        description: "A member signs {chain, key, time, op: watch.get, id} in ?request=&sig=.",
        tags: ["watches"],
        params: idParams,
        querystring: signedQuery,
      },
    },
    async (request) => view(found(request, OPS.get)),
  );

  fastify.delete(
    "/v1/watches/:id",
    {
      config: free,
      schema: {
        summary: "Remove one of your watches; what is queued for it is dropped",
        description: "A member signs {chain, key, time, op: watch.delete, id} in ?request=&sig=.",
        tags: ["watches"],
        params: idParams,
        querystring: signedQuery,
      },
    },
    async (request, reply) => {
      const w = found(request, OPS.remove);
      deps.watches.removeWatch(w.id, w.owner);
      return reply.code(204).send();
    },
  );

  fastify.get(
    "/v1/watches/:id/events",
    {
      config: free,
      schema: {
        summary: "A watch's events as server-sent events (resume with Last-Event-ID)",
        description:
          "One `device.changed` event per change of a watched device, the body a watch's webhook gets, with the event id as SSE id. For a watch without a webhook the node keeps its last events: a Last-Event-ID header replays those after it. The stream ends when the watch expires or is removed. A member signs {chain, key, time, op: watch.events, id} in ?request=&sig=.",
        tags: ["watches"],
        params: idParams,
        querystring: signedQuery,
        produces: ["text/event-stream"],
      },
    },
    (request, reply) => {
      let w: Watch;
      try {
        w = found(request, OPS.events);
      } catch (e) {
        if (!isError(e)) throw e;
        return reply.code(e.httpStatus).send(errorBody(e));
      }
      const lastEventId = header(request, "last-event-id");
      return openEventStream(request, reply, {
        comment: `devicechain watch ${w.id} until ${w.expiresAt}`,
        maxBuffered: MAX_BUFFERED,
        open,
        subscribe: (send, end) =>
          deps.watches.followWatch(
            w.id,
            lastEventId,
            (e: WatchEvent) => send(sseFrame(e.id, "device.changed", e)),
            end,
          ),
      });
    },
  );
}

/** A watch as its owner sees it: never the webhook's HMAC secret. */
function view(w: Watch): Record<string, unknown> {
  return {
    id: w.id,
    owner: w.owner,
    devices: w.devices,
    createdAt: w.createdAt,
    expiresAt: w.expiresAt,
    webhook: w.webhook ? { url: w.webhook.url, signing: w.webhook.signing } : null,
  };
}

function isSigned(body: Record<string, unknown>): body is Record<string, unknown> & SignedRequest {
  return (
    typeof body.request === "object" &&
    body.request !== null &&
    !Array.isArray(body.request) &&
    typeof body.sig === "string"
  );
}

/** A member's request signed into the query string, or undefined if there is none. */
function signedFromQuery(q: { request?: string; sig?: string }): SignedRequest | undefined {
  if (q.request === undefined && q.sig === undefined) return undefined;
  const bytes = q.request === undefined ? undefined : fromBase64Url(q.request);
  let parsed: unknown;
  try {
    parsed = bytes === undefined ? undefined : JSON.parse(fromUtf8(bytes));
  } catch {}
  const body = { request: parsed, sig: q.sig } as Record<string, unknown>;
  if (!isSigned(body)) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      "request must be base64url of a JSON object, with its sig beside it",
    );
  }
  return body;
}

/**
 * The identifiers to watch, each parsed (any written form) and resolved to its device's primary
 * key where a device is registered under it; a key nobody has registered is watched as given.
 */
function resolveDevices(
  reads: LedgerReads,
  v: unknown,
): { keys: string[]; unregistered: string[] } {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "string")) {
    throw makeError("REQUEST_BAD_PARAMS", "devices must be a non-empty list of identifiers");
  }
  if (v.length > MAX_WATCH_DEVICES) {
    throw makeError(
      "WATCH_TOO_MANY_DEVICES",
      `A watch names at most ${MAX_WATCH_DEVICES} devices`,
      {
        data: { max: MAX_WATCH_DEVICES },
      },
    );
  }
  const keys = new Set<string>();
  const unregistered = new Set<string>();
  for (const input of v as string[]) {
    const key = parseIdentifier(input, "person").key;
    const device = registered(reads, input);
    if (!device) unregistered.add(key);
    keys.add(device?.id ?? key);
  }
  return { keys: [...keys], unregistered: [...unregistered] };
}

function registered(reads: LedgerReads, input: string): Device | undefined {
  try {
    return reads.device(input);
  } catch (e) {
    if (isError(e, "DEVICE_UNKNOWN")) return undefined;
    throw e;
  }
}

function parseWebhook(v: unknown): WatchWebhook {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw makeError("REQUEST_BAD_PARAMS", "webhook must be {url, signing?, secret?}");
  }
  const w = v as Record<string, unknown>;
  const url = parseUrl(w.url);
  const signing = w.signing ?? "ed25519";
  if (signing !== "ed25519" && signing !== "hmac-sha256") {
    throw makeError("REQUEST_BAD_PARAMS", "webhook.signing must be ed25519 or hmac-sha256");
  }
  if (signing === "ed25519") return { url, signing };
  const secret = w.secret;
  if (typeof secret !== "string" || secret.length < 16 || secret.length > 256) {
    throw makeError("REQUEST_BAD_PARAMS", "hmac-sha256 needs a secret of 16 to 256 characters");
  }
  return { url, signing, secret };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === "string" && v.length <= 64 ? v : undefined;
}
