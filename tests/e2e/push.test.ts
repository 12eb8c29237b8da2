/**
 * Push: webhooks signed with the node key or an HMAC secret, retried with backoff while the
 * receiver is down, deduplicable by delivery id; tracing alerts to the reporter when a stolen
 * device is checked; filtered event streams. Real HTTP receivers on loopback.
 */
import * as assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { toBase64Url } from "../../src/core/encoding/bytes.js";
import { canonicalBytes } from "../../src/core/encoding/canonical-json.js";
import { DELIVERY_HEADERS, verifyDelivery } from "../../src/node/push/delivery-signature.js";
import {
  codeOf,
  E2E_CHAIN,
  type E2eNode,
  e2eSigner,
  http,
  post,
  signed,
  startE2eNode,
  until,
} from "./e2e-node.js";

const regulator = e2eSigner("regulator");
const acme = e2eSigner("acme");
const police = e2eSigner("police");
const watcher = e2eSigner("watcher");
const STOLEN = "490154203237518";
const OTHER = "356938035643809";
const IMSI = "001010123456789";

interface Received {
  readonly id: string;
  readonly timestamp: number;
  readonly signature: string;
  readonly body: string;
}

/** A webhook receiver that answers 503 while `down`, and records every request it gets. */
class Receiver {
  down = false;
  url = "";
  readonly got: Received[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.got.push({
        id: String(req.headers[DELIVERY_HEADERS.id]),
        timestamp: Number(req.headers[DELIVERY_HEADERS.timestamp]),
        signature: String(req.headers[DELIVERY_HEADERS.signature]),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(this.down ? 503 : 204).end();
    });
  });
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this.url;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  /** Deliveries after deduplication by delivery id, parsed. */
  unique(): Record<string, unknown>[] {
    const seen = new Map<string, Received>();
    for (const g of this.got) seen.set(g.id, g);
    return [...seen.values()].map((g) => JSON.parse(g.body));
  }
}

function subscribeBody(signer: Signer, fields: Record<string, unknown>, time = Date.now()) {
  const request = { chain: E2E_CHAIN, key: signer.keyId, time, ...fields };
  return JSON.stringify({ request, sig: toBase64Url(signer.sign(canonicalBytes(request))) });
}

describe("webhooks, tracing alerts and filtered events", () => {
  let n: E2eNode;
  const policeHook = new Receiver();
  const watcherHook = new Receiver();
  let nodeKeyId: string;
  const secret = "a-secret-of-twenty-chars";

  before(async () => {
    n = await startE2eNode({ webhookRetryMinMs: 100 });
    const setup = [
      signed(regulator, 1, "member.admit", {
        id: "acme",
        role: "manufacturer",
        name: "Acme",
        key: acme.keyId,
      }),
      signed(regulator, 2, "member.admit", {
        id: "police",
        role: "law_enforcement",
        name: "Police",
        key: police.keyId,
      }),
      signed(regulator, 3, "tac.allocate", {
        manufacturer: "acme",
        from: "49015420",
        to: "49015420",
      }),
      signed(regulator, 4, "tac.allocate", {
        manufacturer: "acme",
        from: "35693803",
        to: "35693803",
      }),
      signed(acme, 1, "device.register", { devices: [{ ids: [STOLEN] }, { ids: [OTHER] }] }),
    ];
    for (const tx of setup) assert.equal((await post(n.url, tx)).body.code, 0);
    nodeKeyId = String((await http(`${n.url}/v1/webhooks/signing-key`)).body.keyId);
  });

  after(async () => {
    await n.stop();
    await policeHook.close();
    await watcherHook.close();
  });

  test("subscribing needs a good signature, a fresh time and an http URL", async () => {
    const url = await policeHook.listen();
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
  });

  test("a receiver that is down gets the delivery once it is back, signed and deduplicable", async () => {
    const sub = await http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(police, {
        url: policeHook.url,
        types: ["device.changed", "tracing.alert"],
        devices: [STOLEN],
      }),
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal(sub.body.account, "police");
    const watcherUrl = await watcherHook.listen();
    const sub2 = await http(`${n.url}/v1/webhooks`, {
      method: "POST",
      body: subscribeBody(watcher, {
        url: watcherUrl,
        events: ["reported_stolen"],
        signing: "hmac-sha256",
        secret,
      }),
    });
    assert.equal(sub2.status, 201);
    assert.match(String(sub2.body.account), /^owner:/);

    policeHook.down = true;
    const report = signed(police, 1, "report.file", {
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

  test("a stolen device checked on a network raises a tracing alert to its reporter, without the IMSI", async () => {
    const before = policeHook.unique().length;
    const r = await http(
      `${n.url}/n5g-eir-eic/v1/equipment-status?pei=imei-${STOLEN}&supi=imsi-${IMSI}`,
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
    await http(`${n.url}/n5g-eir-eic/v1/equipment-status?pei=imei-${OTHER}&supi=imsi-${IMSI}`);
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
    const report = signed(police, 2, "report.file", {
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
