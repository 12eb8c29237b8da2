/**
 * The push service's watches through the routes that serve them (servers/watch), over a real
 * ledger and LMDB in a temp folder: every route and refusal by inject, and the event stream over
 * real loopback HTTP. It lives here, not beside the routes, because servers may not import node.
 * Paid access is the real plugin over the real access store: third parties present API keys made
 * in that store; members send no key and pass on the public tier, unmetered.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { pino } from "pino";
import {
  ACME,
  ALICE,
  BOB,
  CLEAN_PHONE,
  examplePhoneSteps,
  POLICE,
  STOLEN_PHONE,
  STOLEN_PHONE_MAC,
} from "../../../tests/support/consortium.js";
import { codeOf, type HttpApp, startHttpApp } from "../../../tests/support/http-app.js";
import { TEST_CHAIN, testSigner } from "../../../tests/support/signers.js";
import type { Signer } from "../../core/crypto/ed25519.js";
import { toBase64Url, utf8 } from "../../core/encoding/bytes.js";
import { canonicalBytes } from "../../core/encoding/canonical-json.js";
import { monthOf } from "../../core/usage/usage-month.js";
import type { AccessScope } from "../../servers/access/access-context.js";
import { DEFAULT_ACCESS } from "../../servers/access/access-plans.js";
import { PushService } from "./push-service.js";

const DAY = 86_400_000;
/** A phone nobody has registered (TAC 35693803, Luhn digit 2). */
const UNREGISTERED = "356938035643809";
/** The members' signed requests below are keyless: more than the default public tier's minute. */
const PUBLIC_PER_MINUTE = 100;

describe("watch routes", () => {
  let h: HttpApp;
  let push: PushService;
  let dir: string;
  let offset = 0;
  const clock = (): number => Date.now() + offset;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dc-watch-"));
    h = await startHttpApp({
      watches: (app) => {
        push = new PushService({
          path: dir,
          app,
          signer: testSigner("node"),
          logger: pino({ level: "silent" }),
          retentionMs: DAY,
          backoffMinMs: 100,
          backoffMaxMs: 1_000,
          requestTimeoutMs: 2_000,
          maxPerAccount: 5,
          maxUndelivered: 100,
          allowedHosts: [],
          now: clock,
          watches: { maxPerOwner: 3, maxTotal: 5, backlog: 4 },
        });
        return push;
      },
      access: { ...DEFAULT_ACCESS, publicTier: { ratePerMinute: PUBLIC_PER_MINUTE } },
    });
    await h.run(examplePhoneSteps());
  });
  after(async () => {
    await h.close();
    await push.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    offset = 0;
    // Each test starts with no watches.
    for (const owner of ["org:market", "org:insurer", "police", "acme"]) {
      for (const w of push.watches(owner)) push.removeWatch(w.id, owner);
    }
  });

  /** One real API key per organisation and scope set, made in the node's access store. */
  const keys = new Map<string, string>();
  const asOrg = (org: string, scopes = "watch"): Record<string, string> => {
    const name = `${org}/${scopes}`;
    let key = keys.get(name);
    if (key === undefined) {
      key = h.apiKey({ org, scopes: scopes.split(",") as AccessScope[] });
      keys.set(name, key);
    }
    return { authorization: `Bearer ${key}` };
  };
  /** Metering records of this month, all keys. */
  const metered = () => [...h.access.records(monthOf(Date.now()))];
  const create = (body: unknown, org = "market") =>
    h.request("/v1/watches", {
      method: "POST",
      body: JSON.stringify(body),
      headers: json(asOrg(org)),
    });
  const json = (headers: Record<string, string>) => ({
    ...headers,
    "content-type": "application/json",
  });
  const signedRequest = (signer: Signer, fields: Record<string, unknown>, time = clock()) => {
    const request = { chain: TEST_CHAIN, key: signer.keyId, time, ...fields };
    return { request, sig: toBase64Url(signer.sign(canonicalBytes(request))) };
  };
  const signedQuery = (signer: Signer, fields: Record<string, unknown>) => {
    const { request, sig } = signedRequest(signer, fields);
    return `request=${toBase64Url(utf8(JSON.stringify(request)))}&sig=${sig}`;
  };
  const count = (owner: string): number => push.watches(owner).length;

  test("an API key's organisation creates, lists, reads and removes its watch", async () => {
    const before = metered().length;
    const r = await create({ devices: [STOLEN_PHONE_MAC, UNREGISTERED] });
    assert.equal(r.status, 201, r.text);
    // Creating is billed to the key's organisation, once; reading and removing (below) are not.
    const billed = metered().filter((m) => m.requestId === r.headers["x-request-id"]);
    assert.deepEqual(
      billed.map((m) => [m.org, m.scope, m.route, m.status]),
      [["market", "watch", "/v1/watches", 201]],
    );
    assert.match(String(r.body.id), /^w_[0-9a-f]{32}$/);
    assert.equal(r.body.owner, "org:market");
    // The MAC resolves to its device's primary key; the unregistered IMEI is watched as given.
    const primary = (await h.request(`/v1/devices/${STOLEN_PHONE}`)).body.id;
    const [watched, unregistered] = r.body.devices as string[];
    assert.equal(watched, primary);
    assert.notEqual(unregistered, undefined);
    assert.deepEqual(r.body.unregistered, [unregistered]);
    const expiresAt = Number(r.body.expiresAt);
    assert.ok(Math.abs(expiresAt - (clock() + 30 * DAY)) < 60_000, "30 days by default");
    assert.equal(r.body.webhook, null);

    const list = await h.request("/v1/watches", { headers: asOrg("market") });
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.body.watches as { id: string }[]).map((w) => w.id),
      [r.body.id],
    );
    const one = await h.request(`/v1/watches/${r.body.id}`, { headers: asOrg("market") });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.devices, r.body.devices);

    // Another organisation cannot see it, nor remove it.
    const other = await h.request(`/v1/watches/${r.body.id}`, { headers: asOrg("insurer") });
    assert.equal(codeOf(other), "NOT_FOUND");
    const otherList = await h.request("/v1/watches", { headers: asOrg("insurer") });
    assert.deepEqual(otherList.body.watches, []);
    const steal = await h.request(`/v1/watches/${r.body.id}`, {
      method: "DELETE",
      headers: asOrg("insurer"),
    });
    assert.equal(codeOf(steal), "NOT_FOUND");

    const del = await h.request(`/v1/watches/${r.body.id}`, {
      method: "DELETE",
      headers: asOrg("market"),
    });
    assert.equal(del.status, 204);
    const gone = await h.request(`/v1/watches/${r.body.id}`, { headers: asOrg("market") });
    assert.equal(codeOf(gone), "NOT_FOUND");
    assert.equal(metered().length, before + 1, "only the creation is metered");
  });

  test("a webhook's URL follows the webhook rules, and its secret is never shown", async () => {
    const forbidden = await create({
      devices: [STOLEN_PHONE],
      webhook: { url: "http://127.0.0.1:9/hook" },
    });
    assert.equal(codeOf(forbidden), "WEBHOOK_TARGET_FORBIDDEN");
    const notHttp = await create({ devices: [STOLEN_PHONE], webhook: { url: "file:///etc/x" } });
    assert.equal(codeOf(notHttp), "REQUEST_BAD_PARAMS");
    const weak = await create({
      devices: [STOLEN_PHONE],
      webhook: { url: "https://93.184.215.14/hook", signing: "hmac-sha256", secret: "short" },
    });
    assert.equal(codeOf(weak), "REQUEST_BAD_PARAMS");
    const ok = await create({
      devices: [STOLEN_PHONE],
      days: 90,
      webhook: {
        url: "https://93.184.215.14/hook",
        signing: "hmac-sha256",
        secret: "a-secret-of-twenty-chars",
      },
    });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.body.webhook, {
      url: "https://93.184.215.14/hook",
      signing: "hmac-sha256",
    });
    assert.doesNotMatch(ok.text, /a-secret-of-twenty-chars/);
    assert.equal(count("org:market"), 1);
  });

  test("every refusal is coded and changes nothing", async () => {
    const cases: [unknown, string, Record<string, string>?][] = [
      [
        { devices: [STOLEN_PHONE] },
        "WATCH_UNAUTHENTICATED",
        { "content-type": "application/json" },
      ],
      // A key without the watch scope is the access plugin's refusal, before the route's.
      [{ devices: [STOLEN_PHONE] }, "ACCESS_SCOPE_FORBIDDEN", json(asOrg("market", "check,proof"))],
      [{ devices: [] }, "REQUEST_BAD_PARAMS"],
      [{ devices: STOLEN_PHONE }, "REQUEST_BAD_PARAMS"],
      [{ devices: ["not-an-identifier"] }, "IDENTIFIER_UNRECOGNISED"],
      [{ devices: Array.from({ length: 1_001 }, () => STOLEN_PHONE) }, "WATCH_TOO_MANY_DEVICES"],
      [{ devices: [STOLEN_PHONE], days: 0 }, "REQUEST_BAD_PARAMS"],
      [{ devices: [STOLEN_PHONE], days: 91 }, "REQUEST_BAD_PARAMS"],
      [{ devices: [STOLEN_PHONE], days: 1.5 }, "REQUEST_BAD_PARAMS"],
      [{ devices: [STOLEN_PHONE], webhook: "https://x.example" }, "REQUEST_BAD_PARAMS"],
    ];
    for (const [body, code, headers] of cases) {
      const r = await h.request("/v1/watches", {
        method: "POST",
        body: JSON.stringify(body),
        headers: headers ?? json(asOrg("market")),
      });
      assert.equal(codeOf(r), code, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    }
    const huge = await h.request("/v1/watches", {
      method: "POST",
      body: JSON.stringify({ devices: [STOLEN_PHONE], pad: "x".repeat(200_000) }),
      headers: json(asOrg("market")),
    });
    assert.equal(codeOf(huge), "REQUEST_TOO_LARGE");
    assert.equal(count("org:market"), 0);
  });

  test("an owner holds at most watchMaxPerOwner watches, and the node at most watchMaxTotal", async () => {
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await create({ devices: [STOLEN_PHONE] })).status, 201);
    }
    assert.equal(codeOf(await create({ devices: [STOLEN_PHONE] })), "WATCH_LIMIT");
    assert.equal(count("org:market"), 3);
    for (let i = 0; i < 2; i += 1) {
      assert.equal((await create({ devices: [STOLEN_PHONE] }, "insurer")).status, 201);
    }
    assert.equal(codeOf(await create({ devices: [STOLEN_PHONE] }, "insurer")), "WATCH_NODE_FULL");
    assert.equal(count("org:insurer"), 2);
  });

  test("expired watches are purged, and hold no place against the bounds", async () => {
    const first = await create({ devices: [STOLEN_PHONE], days: 1 });
    for (let i = 0; i < 2; i += 1) {
      assert.equal((await create({ devices: [STOLEN_PHONE], days: 2 })).status, 201);
    }
    assert.equal(codeOf(await create({ devices: [STOLEN_PHONE] })), "WATCH_LIMIT");
    offset = DAY + 1;
    const next = await create({ devices: [STOLEN_PHONE] });
    assert.equal(next.status, 201, next.text);
    assert.equal(push.removeWatch(String(first.body.id), "org:market"), false, "purged");
    assert.equal(count("org:market"), 3);
  });

  test("a member watches with requests signed by its key, each for one operation", async () => {
    const before = metered().length;
    const post = (body: unknown) =>
      h.request("/v1/watches", { method: "POST", body: JSON.stringify(body) });
    const r = await post(signedRequest(POLICE.signer, { op: "watch", devices: [STOLEN_PHONE] }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.owner, "police");
    // No key: the access plugin let it through on the public tier (its rate), and bills no one.
    assert.equal(r.headers["ratelimit-limit"], String(PUBLIC_PER_MINUTE));
    assert.equal(r.headers["x-request-id"], undefined);
    const id = String(r.body.id);

    // A forged, stale, wrongly-scoped or non-member request is refused, and adds nothing.
    const forged = signedRequest(POLICE.signer, { op: "watch", devices: [STOLEN_PHONE] });
    (forged.request as Record<string, unknown>).devices = [CLEAN_PHONE];
    assert.equal(codeOf(await post(forged)), "TX_BAD_SIGNATURE");
    const stale = signedRequest(POLICE.signer, { op: "watch", devices: [STOLEN_PHONE] }, 0);
    assert.equal(codeOf(await post(stale)), "REQUEST_BAD_PARAMS");
    const subscribeOp = signedRequest(POLICE.signer, { devices: [STOLEN_PHONE] });
    assert.equal(codeOf(await post(subscribeOp)), "REQUEST_BAD_PARAMS");
    const owner = signedRequest(ALICE, { op: "watch", devices: [STOLEN_PHONE] });
    assert.equal(codeOf(await post(owner)), "WATCH_NOT_ALLOWED");
    assert.equal(count("police"), 1);

    const list = await h.request(`/v1/watches?${signedQuery(POLICE.signer, { op: "watch.list" })}`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      (list.body.watches as { id: string }[]).map((w) => w.id),
      [id],
    );
    // A list request does not delete; a delete signed for another id does not delete this one.
    const asList = signedQuery(POLICE.signer, { op: "watch.list", id });
    assert.equal(
      codeOf(await h.request(`/v1/watches/${id}?${asList}`, { method: "DELETE" })),
      "REQUEST_BAD_PARAMS",
    );
    const otherId = signedQuery(POLICE.signer, { op: "watch.delete", id: "w_other" });
    assert.equal(
      codeOf(await h.request(`/v1/watches/${id}?${otherId}`, { method: "DELETE" })),
      "REQUEST_BAD_PARAMS",
    );
    // Another member signing for this id finds nothing.
    const acme = signedQuery(ACME.signer, { op: "watch.get", id });
    assert.equal(codeOf(await h.request(`/v1/watches/${id}?${acme}`)), "NOT_FOUND");
    const get = signedQuery(POLICE.signer, { op: "watch.get", id });
    assert.equal((await h.request(`/v1/watches/${id}?${get}`)).status, 200);
    const del = signedQuery(POLICE.signer, { op: "watch.delete", id });
    assert.equal((await h.request(`/v1/watches/${id}?${del}`, { method: "DELETE" })).status, 204);
    assert.equal(count("police"), 0);
    const garbage = await h.request("/v1/watches?request=!!&sig=x");
    assert.equal(codeOf(garbage), "REQUEST_BAD_PARAMS");
    assert.equal(metered().length, before, "a member's requests are never metered");
  });

  test("a stream gets each change of a watched device, resumes with Last-Event-ID, and ends at expiry", async () => {
    const r = await create({ devices: [CLEAN_PHONE] });
    const id = String(r.body.id);
    await h.fastify.listen({ host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${(h.fastify.server.address() as AddressInfo).port}`;
    const stream = await openStream(`${base}/v1/watches/${id}/events`, asOrg("market"));
    await h.submit(BOB, "report.file", { device: CLEAN_PHONE, kind: "lost" });
    const [first] = await stream.events(1);
    assert.equal(first?.type, "device.changed");
    assert.equal(first?.watch, id);
    assert.equal(first?.event, "reported_lost");
    assert.equal(first?.state, "lost");
    assert.equal(first?.tx, undefined, "no transaction hash: it leads to the signer's keys");
    assert.doesNotMatch(JSON.stringify(first), new RegExp(BOB.keyId));
    stream.close();

    // A change while nobody listens is kept, and replayed after the last event seen.
    await h.submit(BOB, "report.clear", { device: CLEAN_PHONE });
    const resumed = await openStream(`${base}/v1/watches/${id}/events`, {
      ...asOrg("market"),
      "last-event-id": String(first?.id),
    });
    const [second] = await resumed.events(1);
    assert.notEqual(second?.id, first?.id);
    assert.equal(second?.watch, id);

    // Past its expiry the watch is purged (by the next sweep; here, a removal's) and the stream ends.
    offset = 31 * DAY;
    assert.equal(
      (await h.request(`/v1/watches/${id}`, { headers: asOrg("market") })).status,
      404,
      "an expired watch is not there",
    );
    await h.submit(BOB, "report.file", { device: CLEAN_PHONE, kind: "lost" });
    push.removeWatch(id, "org:market");
    await resumed.ended;
    assert.equal(resumed.received.length, 1, "nothing delivered after expiry");
  });
});

interface Stream {
  readonly received: Record<string, unknown>[];
  events(n: number): Promise<Record<string, unknown>[]>;
  readonly ended: Promise<void>;
  close(): void;
}

/** A server-sent-events client over fetch, parsing `data:` lines; bounded in time by its callers. */
async function openStream(url: string, headers: Record<string, string>): Promise<Stream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const received: Record<string, unknown>[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let buffer = "";
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += Buffer.from(value).toString("utf8");
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split("\n").find((l) => l.startsWith("data: "));
          if (data) received.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    received,
    ended,
    async events(n) {
      const deadline = Date.now() + 5_000;
      while (received.length < n) {
        if (Date.now() > deadline) assert.fail(`${n} events not within 5 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received.slice(0, n);
    },
    close: () => ac.abort(),
  };
}
