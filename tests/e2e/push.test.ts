/**
 * Push: webhooks signed with the node key or an HMAC secret, retried with backoff while the
 * receiver is down, deduplicable by delivery id; tracing alerts to the reporter when a stolen
 * device is checked by an authenticated AMF (an NRF token: unauthenticated checks never alert);
 * filtered event streams. Real HTTP receivers on loopback.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { toBase64Url } from "../../src/core/encoding/bytes.js";
import { canonicalBytes } from "../../src/core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import { verifyDelivery } from "../../src/node/push/delivery-signature.js";
import { ACME, consortiumSteps, DEMO_TAC, EXAMPLE_TAC, POLICE } from "../support/consortium.js";
import { codeOf } from "../support/http-app.js";
import { type NrfTokens, nrfTokens } from "../support/nrf-token.js";
import { signed, TEST_CHAIN, testSigner } from "../support/signers.js";
import { type Received, WebhookReceiver } from "../support/webhook-receiver.js";
import { type E2eNode, http, post, startE2eNode, until } from "./e2e-node.js";

const acme = ACME.signer;
const police = POLICE.signer;
const watcher = testSigner("watcher");
const STOLEN = "490154203237518";
const OTHER = "356938035643809";
const IMSI = "001010123456789";
const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
/** Devices sold while a receiver is down, then up, then down again. */
const LATE_A = imei("35693803000001");
const LATE_B = imei("35693803000002");
/** The watcher's own phone: an owner of nothing may not register webhooks. */
const WATCHED = imei("35693803000003");

function subscribeBody(signer: Signer, fields: Record<string, unknown>, time = Date.now()) {
  const request = { chain: TEST_CHAIN, key: signer.keyId, time, ...fields };
  return JSON.stringify({ request, sig: toBase64Url(signer.sign(canonicalBytes(request))) });
}

describe("webhooks, tracing alerts and filtered events", () => {
  // Each test has its own node and receivers: none depends on what another subscribed or reported.
  let n: E2eNode;
  let policeHook: WebhookReceiver;
  let watcherHook: WebhookReceiver;
  let lateHook: WebhookReceiver;
  let nodeKeyId: string;
  const secret = "a-secret-of-twenty-chars";
  const nrfDir = mkdtempSync(path.join(tmpdir(), "dc-push-nrf-"));
  const nrf: NrfTokens = nrfTokens(nrfDir);

  beforeEach(async () => {
    policeHook = new WebhookReceiver();
    watcherHook = new WebhookReceiver();
    lateHook = new WebhookReceiver();
    for (const hook of [policeHook, watcherHook, lateHook]) await hook.listen();
    // The receivers listen on loopback, which a node refuses unless it is allow-listed.
    n = await startE2eNode({
      webhookRetryMinMs: 100,
      webhookAllowedHosts: ["127.0.0.1"],
      oauth2: true,
      oauth2PublicKeyFile: nrf.publicKeyFile,
    });
    await n.run(
      consortiumSteps(
        [ACME, POLICE],
        [
          [ACME, EXAMPLE_TAC],
          [ACME, DEMO_TAC],
        ],
      ),
    );
    await n.submit(acme, "device.register", {
      devices: [{ ids: [STOLEN] }, { ids: [OTHER] }, { ids: [WATCHED] }],
    });
    await n.submit(acme, "device.sell", { device: WATCHED, owner: watcher.keyId });
    nodeKeyId = String((await http(`${n.url}/v1/webhooks/signing-key`)).body.keyId);
  });

  afterEach(async () => {
    await n.stop();
    await policeHook.close();
    await watcherHook.close();
    await lateHook.close();
  });
  after(() => rmSync(nrfDir, { recursive: true, force: true }));

  /** One sample from /metrics; 0 when the series has no sample yet. */
  const metric = async (series: string): Promise<number> => {
    const text = String((await http(`${n.url}/metrics`)).body.text);
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const webhooks = (body: string) => http(`${n.url}/v1/webhooks/list`, { method: "POST", body });
  const unsubscribe = (id: string, body: string) =>
    http(`${n.url}/v1/webhooks/${id}`, { method: "DELETE", body });
  /** The police's webhook: the stolen phone's changes and its tracing alerts. */
  const subscribePolice = () =>
    http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(police, {
        url: policeHook.url,
        types: ["device.changed", "tracing.alert"],
        devices: [STOLEN],
      }),
    });
  /** The watcher's HMAC webhook: reported_stolen on every device. */
  const subscribeWatcher = () =>
    http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(watcher, {
        url: watcherHook.url,
        events: ["reported_stolen"],
        signing: "hmac-sha256",
        secret,
      }),
    });

  test("subscribing needs a good signature, a fresh time and an http URL", async () => {
    const url = policeHook.url;
    const forged = JSON.parse(subscribeBody(police, { url }));
    forged.request.url = "http://127.0.0.1:1/elsewhere";
    const bad = await http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: JSON.stringify(forged),
    });
    assert.equal(codeOf(bad), "TX_BAD_SIGNATURE");
    const stale = await http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(police, { url }, Date.now() - 10 * 60_000),
    });
    assert.equal(codeOf(stale), "REQUEST_BAD_PARAMS");
    const notHttp = await http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(police, { url: "file:///etc/passwd" }),
    });
    assert.equal(codeOf(notHttp), "REQUEST_BAD_PARAMS");
    const weak = await http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(police, { url, signing: "hmac-sha256", secret: "short" }),
    });
    assert.equal(codeOf(weak), "REQUEST_BAD_PARAMS");
    const noSuchEvent = await http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(police, { url, events: ["reported_stolen", "stolen"] }),
    });
    assert.equal(codeOf(noSuchEvent), "REQUEST_BAD_PARAMS");
  });

  test("a receiver that is down gets the delivery once it is back, signed and deduplicable", async () => {
    const sub = await subscribePolice();
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal(sub.body.account, "police");
    const sub2 = await subscribeWatcher();
    assert.equal(sub2.status, 201);
    assert.match(String(sub2.body.account), /^owner:/);

    policeHook.down = true;
    const report = signed(police, await n.nextNonce(police), "report.file", {
      device: STOLEN,
      kind: "stolen",
      reference: "CASE-1",
    });
    assert.equal((await post(n.url, report)).body.code, 0);
    await until("failed attempts while down", () => policeHook.got.length >= 2, 5_000);
    policeHook.down = false;
    const attemptsWhileDown = policeHook.got.length;
    await until("delivery after recovery", () => policeHook.got.length > attemptsWhileDown, 5_000);
    await new Promise((r) => setTimeout(r, 500));

    const ids = new Set(policeHook.got.map((g) => g.id));
    assert.equal(ids.size, 1, "every attempt carries the same delivery id");
    const [event] = policeHook.unique();
    assert.equal(event?.type, "device.changed");
    assert.equal(event?.event, "reported_stolen");
    assert.equal(event?.status, "BLACKLISTED");
    for (const g of policeHook.got) {
      assert.ok(verifyDelivery(g.signature, { nodeKeyId }, g.id, g.timestamp, g.body));
      assert.equal(
        verifyDelivery(g.signature, { nodeKeyId }, g.id, g.timestamp, `${g.body} `),
        false,
      );
    }
    // The HMAC subscriber (all devices, reported_stolen only) got the same change.
    await until("hmac delivery", () => watcherHook.got.length >= 1, 3_000);
    const w = watcherHook.got[0] as Received;
    assert.ok(verifyDelivery(w.signature, { secret }, w.id, w.timestamp, w.body));
    assert.equal(
      verifyDelivery(w.signature, { secret: `${secret}x` }, w.id, w.timestamp, w.body),
      false,
    );
  });

  test("a subscriber lists and removes its own webhooks; metrics count attempts, retries and the undelivered queue", async () => {
    // The police's and the watcher's webhooks are there too.
    assert.equal((await subscribePolice()).status, 201);
    assert.equal((await subscribeWatcher()).status, 201);
    const url = lateHook.url;
    const FAILED = 'devicechain_push_attempts_total{result="failed"}';
    const DELIVERED = 'devicechain_push_attempts_total{result="delivered"}';
    const RETRIES = "devicechain_push_retries_total";
    const UNDELIVERED = "devicechain_push_undelivered";
    const UNSUBSCRIBED = 'devicechain_push_dropped_total{reason="unsubscribed"}';
    const before = {
      failed: await metric(FAILED),
      delivered: await metric(DELIVERED),
      retries: await metric(RETRIES),
      unsubscribed: await metric(UNSUBSCRIBED),
    };
    const register = signed(acme, await n.nextNonce(acme), "device.register", {
      devices: [{ ids: [LATE_A] }, { ids: [LATE_B] }],
    });
    assert.equal((await post(n.url, register)).body.code, 0);
    lateHook.down = true;
    // Any history event may be asked for, clone and pairing events too.
    const subscribe = subscribeBody(watcher, {
      url,
      devices: [LATE_A, LATE_B],
      events: ["sold", "clone_suspected", "paired"],
    });
    const sub = await http(`${n.url}/v1/webhooks`, { method: "POST", body: subscribe });
    assert.equal(sub.status, 201);
    const id = String(sub.body.id);
    const sell = async (device: string) =>
      post(
        n.url,
        signed(acme, await n.nextNonce(acme), "device.sell", { device, owner: watcher.keyId }),
      );
    assert.equal((await sell(LATE_A)).body.code, 0);
    await until("attempts while the receiver is down", () => lateHook.got.length >= 3, 5_000);
    assert.ok((await metric(FAILED)) >= before.failed + 3);
    assert.ok((await metric(RETRIES)) >= before.retries + 2);
    assert.equal(await metric(UNDELIVERED), 1);
    assert.ok((await metric("devicechain_push_oldest_undelivered_seconds")) > 0);
    assert.equal(await metric("devicechain_push_subscriptions"), 3);

    // The owner sees its own webhooks, with what is still queued; never the HMAC secret.
    const mine = await webhooks(subscribeBody(watcher, { op: "list" }));
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    const list = mine.body.webhooks as {
      id: string;
      undelivered: number;
      nextAttemptAt: unknown;
    }[];
    assert.equal(list.length, 2, "its HMAC webhook and this one");
    const late = list.find((w) => w.id === id);
    assert.equal(late?.undelivered, 1);
    assert.equal(typeof late?.nextAttemptAt, "number");
    assert.equal(list.find((w) => w.id !== id)?.undelivered, 0);
    assert.ok(!JSON.stringify(mine.body).includes(secret), "no HMAC secret in the list");
    // Another account sees only its own.
    const theirs = await webhooks(subscribeBody(police, { op: "list" }));
    assert.deepEqual(
      (theirs.body.webhooks as { id: string }[]).map((w) => w.id).includes(id),
      false,
    );
    assert.equal((theirs.body.webhooks as unknown[]).length, 1);

    // Back up: delivered, and the queue empties.
    const whileDown = lateHook.got.length;
    lateHook.down = false;
    await until("an attempt once up", () => lateHook.got.length > whileDown, 5_000);
    let undelivered = 1;
    const deadline = Date.now() + 5_000;
    while (undelivered !== 0 && Date.now() < deadline) {
      undelivered = await metric(UNDELIVERED);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(undelivered, 0);
    assert.ok((await metric(DELIVERED)) >= before.delivered + 1);
    assert.equal(lateHook.unique().length, 1);

    // Down again with a new event queued: removing the webhook drops it, and stops the attempts.
    lateHook.down = true;
    const seen = lateHook.got.length;
    assert.equal((await sell(LATE_B)).body.code, 0);
    await until("an attempt for the second event", () => lateHook.got.length > seen, 5_000);
    assert.equal(await metric(UNDELIVERED), 1);

    // Requests signed for something else are refused: a subscription or a list request
    // replayed as a removal, a removal of another webhook, and another account's removal.
    const listBody = subscribeBody(watcher, { op: "list" });
    for (const body of [subscribe, listBody, subscribeBody(watcher, { op: "unsubscribe" })]) {
      const r = await unsubscribe(id, body);
      assert.equal(codeOf(r), "REQUEST_BAD_PARAMS", JSON.stringify(r.body));
    }
    const other = list.find((w) => w.id !== id)?.id ?? "";
    const forOther = subscribeBody(watcher, { op: "unsubscribe", id: other });
    assert.equal(codeOf(await unsubscribe(id, forOther)), "REQUEST_BAD_PARAMS");
    assert.equal(codeOf(await webhooks(subscribe)), "REQUEST_BAD_PARAMS");
    const byPolice = await unsubscribe(id, subscribeBody(police, { op: "unsubscribe", id }));
    assert.equal(byPolice.status, 404);
    assert.equal(codeOf(byPolice), "NOT_FOUND");

    const removed = await unsubscribe(id, subscribeBody(watcher, { op: "unsubscribe", id }));
    assert.equal(removed.status, 204);
    assert.equal(await metric(UNDELIVERED), 0);
    assert.equal(await metric(UNSUBSCRIBED), before.unsubscribed + 1);
    const after = await webhooks(subscribeBody(watcher, { op: "list" }));
    assert.deepEqual(
      (after.body.webhooks as { id: string }[]).map((w) => w.id),
      [other],
    );
    const attempts = lateHook.got.length;
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(lateHook.got.length, attempts, "no attempt after the removal");
  });

  test("a stolen device checked on a network raises a tracing alert to its reporter, without the IMSI", async () => {
    // The police subscribe and report the phone stolen; its change is delivered first.
    assert.equal((await subscribePolice()).status, 201);
    await n.submit(police, "report.file", { device: STOLEN, kind: "stolen", reference: "CASE-1" });
    await until("the report's delivery", () => policeHook.unique().length >= 1, 5_000);
    const before = policeHook.unique().length;
    const amf = { authorization: `Bearer ${nrf.token()}` };
    const r = await http(
      `${n.url}/n5g-eir-eic/v1/equipment-status?pei=imei-${STOLEN}&supi=imsi-${IMSI}`,
      { headers: amf },
    );
    assert.deepEqual(r.body, { status: "BLACKLISTED" });
    await until("tracing alert", () => policeHook.unique().length > before, 3_000);
    const alert = policeHook.unique().find((e) => e.type === "tracing.alert");
    assert.ok(alert, "a tracing.alert was delivered");
    assert.equal(alert.network, "sbi:127.0.0.1");
    assert.equal(alert.protocol, "n5g-eir");
    assert.match(String(alert.subscriberHash), /^[0-9a-f]{32}$/);
    assert.ok(!JSON.stringify(alert).includes(IMSI), "no raw subscriber identity");
    // A clean device checked the same way alerts nobody.
    await http(`${n.url}/n5g-eir-eic/v1/equipment-status?pei=imei-${OTHER}&supi=imsi-${IMSI}`, {
      headers: amf,
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(policeHook.unique().filter((e) => e.type === "tracing.alert").length, 1);
  });

  test("the event stream takes the same filters", async () => {
    const controller = new AbortController();
    const res = await fetch(`${n.url}/v1/events?device=${OTHER}&event=reported_stolen`, {
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const read = (async () => {
      while (!text.includes("event: device.changed")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString("utf8");
      }
    })();
    const report = signed(police, await n.nextNonce(police), "report.file", {
      device: OTHER,
      kind: "stolen",
      reference: "CASE-2",
    });
    assert.equal((await post(n.url, report)).body.code, 0);
    await Promise.race([read, new Promise((r) => setTimeout(r, 5_000))]);
    controller.abort();
    assert.match(text, /event: device\.changed/);
    const data = JSON.parse(
      /data: (.*)\n/.exec(text.slice(text.indexOf("event: device.changed")))?.[1] ?? "{}",
    );
    assert.equal(data.device, `imei:${OTHER.slice(0, 14)}`);
    assert.equal(data.event, "reported_stolen");
    const bad = await http(`${n.url}/v1/events?device=not-a-device`);
    assert.equal(bad.status, 400);
  });
});
