import type { FastifyInstance } from "fastify";
import { makeError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import type { Account } from "../../core/machine/account.js";
import { HISTORY_EVENTS } from "../../core/state/device.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";
import { excerpt } from "../rest/input-excerpt.js";
import {
  type SignedRequest as Signed,
  signedRequestSchema as signedSchema,
  verifySignedRequest,
} from "./signed-request.js";
import type { WebhookRegistry } from "./webhook-registry.js";

export interface WebhookDeps {
  readonly reads: LedgerReads;
  readonly push: WebhookRegistry;
  readonly now?: () => number;
}

const TYPES = ["device.changed", "tracing.alert"] as const;

/**
 * What a signed request is for. A request signed for one operation is refused by the others, so
 * that one seen in transit cannot be replayed to do something else within its 5 minutes (a
 * subscription request, without `op`, to list or delete; a list request to delete).
 */
const OPS = { subscribe: "subscribe", list: "list", unsubscribe: "unsubscribe" } as const;

/**
 * Webhooks, registered by members and owners with a request signed by their key:
 * POST /v1/webhooks subscribes, POST /v1/webhooks/list lists the signer's own webhooks,
 * DELETE /v1/webhooks/{id} unsubscribes one of them, and GET /v1/webhooks/signing-key names the
 * node key that signs "ed25519" deliveries.
 */
export async function webhookPlugin(fastify: FastifyInstance, deps: WebhookDeps): Promise<void> {
  const now = deps.now ?? Date.now;

  /** The account behind a signed request, after checking chain, time, operation and signature. */
  function verify(body: Signed, op: (typeof OPS)[keyof typeof OPS]): Account {
    // A subscription may leave op out, as it always could.
    return verifySignedRequest(deps.reads, now(), body, op, OPS.subscribe);
  }

  /**
   * Only parties with a stake may make the node send requests: an active member, or a key that
   * owns at least one device now (the ledger store's owner index, checked against the record).
   */
  function assertMaySubscribe(account: Account): void {
    if (account.member) {
      if (account.member.status !== "active") throw makeError("MEMBER_SUSPENDED");
      return;
    }
    if (!deps.reads.ownsAnyDevice(account.keyId)) throw makeError("WEBHOOK_NOT_ALLOWED");
  }

  fastify.get(
    "/v1/webhooks/signing-key",
    { schema: { summary: "The key id that signs ed25519 webhook deliveries", tags: ["push"] } },
    async () => ({ keyId: deps.push.nodeKeyId }),
  );

  fastify.post(
    "/v1/webhooks",
    {
      schema: {
        summary: "Subscribe a webhook (request signed by a member's or owner's key)",
        description:
          "request: {chain, key, time (ms), url, types?: [device.changed, tracing.alert], devices?: [identifier], events?: [history event], signing?: ed25519 | hmac-sha256, secret?}; sig: Ed25519 over the RFC 8785 canonical JSON of request.",
        tags: ["push"],
        body: signedSchema,
      },
    },
    async (request, reply) => {
      const body = request.body as Signed;
      const signer = verify(body, OPS.subscribe);
      assertMaySubscribe(signer);
      const account = signer.id;
      const r = body.request;
      const url = parseUrl(r.url);
      const types = stringList(r.types ?? ["device.changed"], "types", TYPES);
      const events = stringList(r.events ?? [], "events", HISTORY_EVENTS);
      const devices = stringList(r.devices ?? [], "devices").map(
        (d) => parseIdentifier(d, "person").key,
      );
      const signing = r.signing ?? "ed25519";
      if (signing !== "ed25519" && signing !== "hmac-sha256") {
        throw makeError("REQUEST_BAD_PARAMS", "signing must be ed25519 or hmac-sha256");
      }
      const secret = r.secret;
      if (signing === "hmac-sha256" && (typeof secret !== "string" || secret.length < 16)) {
        throw makeError(
          "REQUEST_BAD_PARAMS",
          "hmac-sha256 needs a secret of 16 characters or more",
        );
      }
      const sub = await deps.push.subscribe({
        account,
        url,
        types,
        filter: { devices, events },
        signing,
        ...(signing === "hmac-sha256" ? { secret: secret as string } : {}),
      });
      return reply.code(201).send({
        id: sub.id,
        account: sub.account,
        url: sub.url,
        types: sub.types,
        filter: sub.filter,
        signing: sub.signing,
      });
    },
  );

  fastify.post(
    "/v1/webhooks/list",
    {
      schema: {
        summary: "List your webhooks (request signed by your key, op: list)",
        description:
          "request: {chain, key, time (ms), op: list}; sig: Ed25519 over the RFC 8785 canonical JSON of request. Answers the signer's own webhooks, oldest first, with the deliveries still queued for each; never an HMAC secret.",
        tags: ["push"],
        body: signedSchema,
      },
    },
    async (request) => {
      const account = verify(request.body as Signed, OPS.list).id;
      return { account, webhooks: deps.push.list(account) };
    },
  );

  fastify.delete(
    "/v1/webhooks/:id",
    {
      schema: {
        summary: "Remove one of your webhooks (request signed by the same account's key)",
        description:
          "request: {chain, key, time (ms), op: unsubscribe, id}, where id is the webhook's id in the path; sig as for subscribing. Its queued deliveries are dropped.",
        tags: ["push"],
        body: signedSchema,
      },
    },
    async (request, reply) => {
      const body = request.body as Signed;
      const account = verify(body, OPS.unsubscribe).id;
      const { id } = request.params as { id: string };
      if (body.request.id !== id) {
        throw makeError("REQUEST_BAD_PARAMS", "request.id must be the id of the webhook to remove");
      }
      if (!deps.push.unsubscribe(id, account)) {
        throw makeError("NOT_FOUND", `No webhook ${excerpt(id)} for ${account}`);
      }
      return reply.code(204).send();
    },
  );
}

/** The most characters of a webhook URL. */
const MAX_URL_LENGTH = 2_048;

/** An http: or https: URL without credentials, bounded in length; REQUEST_BAD_PARAMS otherwise. */
export function parseUrl(v: unknown): string {
  try {
    const url = new URL(String(v));
    if (
      (url.protocol === "http:" || url.protocol === "https:") &&
      url.username === "" &&
      url.password === "" &&
      url.href.length <= MAX_URL_LENGTH
    ) {
      return url.toString();
    }
  } catch {}
  throw makeError(
    "REQUEST_BAD_PARAMS",
    `url must be an http: or https: URL of at most ${MAX_URL_LENGTH} characters, without credentials`,
  );
}

function stringList<T extends string>(v: unknown, name: string, allowed?: readonly T[]): T[] {
  if (!Array.isArray(v) || v.length > 1_000 || v.some((x) => typeof x !== "string")) {
    throw makeError("REQUEST_BAD_PARAMS", `${name} must be a list of strings`);
  }
  for (const x of v) {
    if (allowed && !allowed.includes(x as T)) {
      throw makeError(
        "REQUEST_BAD_PARAMS",
        `${name}: ${excerpt(x)} is not one of ${allowed.join(", ")}`,
      );
    }
  }
  return v as T[];
}
