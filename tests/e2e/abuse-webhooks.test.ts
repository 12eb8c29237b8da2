/**
 * Abuse: webhooks cannot turn the node on the network or on itself. A key that owns nothing may
 * not subscribe; an account has at most webhookMaxPerAccount webhooks; loopback, private,
 * link-local and IPv4-mapped targets are refused unless allow-listed; a receiver that is down
 * holds at most webhookMaxUndelivered deliveries, the oldest dropped and counted. A refusal adds
 * no block and grows neither the ledger nor the webhook store. Real nodes, real receivers.
 */
import * as assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { toBase64Url } from "../../src/core/encoding/bytes.js";
import { canonicalBytes } from "../../src/core/encoding/canonical-json.js";
import { ERRORS } from "../../src/core/errors/catalogue.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import { PUSH_DIR } from "../../src/node/data-dir.js";
import { assertUnharmed, fingerprint } from "../support/abuse.js";
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
const alice = e2eSigner("alice");
const nobody = e2eSigner("nobody");
const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const PHONES = [1, 2, 3, 4, 5, 6].map((i) => imei(`3569380300010${i}`));
const MAX_UNDELIVERED = 3;

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return total;
}

function subscribeBody(signer: Signer, fields: Record<string, unknown>): string {
  const request = { chain: E2E_CHAIN, key: signer.keyId, time: Date.now(), ...fields };
  return JSON.stringify({ request, sig: toBase64Url(signer.sign(canonicalBytes(request))) });
}

/** A receiver that answers 503 while `down`, recording the events it was sent. */
class Receiver {
  down = true;
  readonly got: Record<string, unknown>[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (!this.down) this.got.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(this.down ? 503 : 204).end();
    });
  });
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return (this.server.address() as AddressInfo).port;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The manufacturer, its TAC and the phones, one of them sold to alice. */
async function seed(n: E2eNode): Promise<void> {
  const txs = [
    signed(regulator, 1, "member.admit", {
      id: "acme",
      role: "manufacturer",
      name: "Acme",
      key: acme.keyId,
    }),
    signed(regulator, 2, "tac.allocate", {
      manufacturer: "acme",
      from: "35693803",
      to: "35693803",
    }),
    signed(acme, 1, "device.register", { devices: PHONES.map((p) => ({ ids: [p] })) }),
    signed(acme, 2, "device.sell", { device: PHONES[0] as string, owner: alice.keyId }),
  ];
  for (const tx of txs) assert.equal((await post(n.url, tx)).body.code, 0);
}

const subscribe = (n: E2eNode, body: string) =>
  http(`${n.url}/v1/webhooks`, { method: "POST", body });

/** One sample from /metrics; 0 when the series has none yet. */
async function metric(n: E2eNode, series: string): Promise<number> {
  const text = String((await http(`${n.url}/metrics`)).body.text);
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Remove every webhook of an account, so that later tests count only their own. */
async function unsubscribeAll(n: E2eNode, signer: Signer): Promise<void> {
  const listed = await http(`${n.url}/v1/webhooks/list`, {
    method: "POST",
    body: subscribeBody(signer, { op: "list" }),
  });
  for (const { id } of listed.body.webhooks as { id: string }[]) {
    const r = await http(`${n.url}/v1/webhooks/${id}`, {
      method: "DELETE",
      body: subscribeBody(signer, { op: "unsubscribe", id }),
    });
    assert.equal(r.status, 204);
  }
}

describe("abuse: webhooks", { timeout: 60_000 }, () => {
  /** Default settings: nothing allow-listed. */
  let strict: E2eNode;
  /** 127.0.0.1 allow-listed, and a small queue per webhook. */
  let allowing: E2eNode;
  const receiver = new Receiver();
  let port = 0;

  before(async () => {
    port = await receiver.listen();
    strict = await startE2eNode();
    allowing = await startE2eNode({
      webhookAllowedHosts: ["127.0.0.1"],
      webhookMaxUndelivered: MAX_UNDELIVERED,
      webhookRetryMinMs: 200,
    });
    await seed(strict);
    await seed(allowing);
  });

  after(async () => {
    await strict?.stop();
    await allowing?.stop();
    await receiver.close();
  });

  test("a key that owns nothing is refused, however many times it asks, and leaves no trace", async () => {
    const before = await fingerprint(allowing);
    const pushBefore = bytesUnder(path.join(allowing.dir, PUSH_DIR));
    for (let i = 0; i < 50; i++) {
      const r = await subscribe(
        allowing,
        subscribeBody(nobody, { url: `http://127.0.0.1:${port}/${i}` }),
      );
      assert.equal(r.status, ERRORS.WEBHOOK_NOT_ALLOWED.http);
      assert.equal(codeOf(r), "WEBHOOK_NOT_ALLOWED");
    }
    // A listing costs the node nothing and shows nothing.
    const list = await http(`${allowing.url}/v1/webhooks/list`, {
      method: "POST",
      body: subscribeBody(nobody, { op: "list" }),
    });
    assert.deepEqual(list.body.webhooks, []);
    assertUnharmed(before, await fingerprint(allowing));
    assert.ok(bytesUnder(path.join(allowing.dir, PUSH_DIR)) - pushBefore <= 64 * 1024);
    assert.equal(await metric(allowing, "devicechain_push_subscriptions"), 0);
    // The owner of a device and a member may.
    const owner = await subscribe(
      allowing,
      subscribeBody(alice, { url: `http://127.0.0.1:${port}/a` }),
    );
    assert.equal(owner.status, 201, JSON.stringify(owner.body));
    const unsubscribe = await http(`${allowing.url}/v1/webhooks/${owner.body.id}`, {
      method: "DELETE",
      body: subscribeBody(alice, { op: "unsubscribe", id: owner.body.id }),
    });
    assert.equal(unsubscribe.status, 204);
  });

  test("loopback, private, link-local and IPv4-mapped targets are refused unless allow-listed", async () => {
    const before = await fingerprint(strict);
    const pushBefore = bytesUnder(path.join(strict.dir, PUSH_DIR));
    const targets = [
      `http://127.0.0.1:${port}/`,
      "http://127.1.2.3/",
      "http://2130706433/", // 127.0.0.1 as one number
      `http://localhost:${port}/`, // a name that resolves to loopback
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:a00:1]/", // 10.0.0.1, IPv4-mapped
      "http://10.1.2.3/",
      "http://172.16.0.1/",
      "http://192.168.0.1/",
      "http://100.64.0.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[fe80::1]/",
      "http://[fd00::1]/",
      "http://0.0.0.0/",
      "http://224.0.0.1/",
      "https://255.255.255.255/",
    ];
    for (const url of targets) {
      const r = await subscribe(strict, subscribeBody(regulator, { url }));
      assert.equal(codeOf(r), "WEBHOOK_TARGET_FORBIDDEN", url);
      assert.equal(r.status, ERRORS.WEBHOOK_TARGET_FORBIDDEN.http, url);
    }
    assertUnharmed(before, await fingerprint(strict));
    assert.ok(bytesUnder(path.join(strict.dir, PUSH_DIR)) - pushBefore <= 64 * 1024);
    assert.equal(await metric(strict, "devicechain_push_subscriptions"), 0);

    // On the node that allow-lists 127.0.0.1, that host is accepted, and only that host.
    const ok = await subscribe(
      allowing,
      subscribeBody(regulator, { url: `http://127.0.0.1:${port}/ok` }),
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    for (const url of [
      `http://localhost:${port}/`,
      "http://127.0.0.2/",
      "http://[::ffff:127.0.0.1]/",
    ]) {
      assert.equal(
        codeOf(await subscribe(allowing, subscribeBody(regulator, { url }))),
        "WEBHOOK_TARGET_FORBIDDEN",
        url,
      );
    }
  });

  test("an account's 21st webhook is refused; asking again for one it has is not", async () => {
    const url = (i: number) => `http://127.0.0.1:${port}/limit/${i}`;
    const listed = await http(`${allowing.url}/v1/webhooks/list`, {
      method: "POST",
      body: subscribeBody(regulator, { op: "list" }),
    });
    const have = (listed.body.webhooks as unknown[]).length;
    for (let i = have; i < 20; i++) {
      const r = await subscribe(allowing, subscribeBody(regulator, { url: url(i) }));
      assert.equal(r.status, 201, `webhook ${i + 1}: ${JSON.stringify(r.body)}`);
    }
    const before = await fingerprint(allowing);
    const pushBefore = bytesUnder(path.join(allowing.dir, PUSH_DIR));
    for (let i = 20; i < 40; i++) {
      const r = await subscribe(allowing, subscribeBody(regulator, { url: url(i) }));
      assert.equal(codeOf(r), "WEBHOOK_LIMIT");
      assert.equal(r.status, ERRORS.WEBHOOK_LIMIT.http);
    }
    assertUnharmed(before, await fingerprint(allowing));
    assert.ok(bytesUnder(path.join(allowing.dir, PUSH_DIR)) - pushBefore <= 64 * 1024);
    const again = await subscribe(allowing, subscribeBody(regulator, { url: url(19) }));
    assert.equal(again.status, 201, "the same webhook again is the same subscription");
    assert.equal(await metric(allowing, "devicechain_push_subscriptions"), 20);
    // The limit is per account: the owner still has room.
    const owner = await subscribe(allowing, subscribeBody(alice, { url: url(100) }));
    assert.equal(owner.status, 201);
    await unsubscribeAll(allowing, alice);
    await unsubscribeAll(allowing, regulator);
    assert.equal(await metric(allowing, "devicechain_push_subscriptions"), 0);
  });

  test("a receiver that is down holds at most webhookMaxUndelivered deliveries: the oldest are dropped and counted", async () => {
    const OVERFLOW = 'devicechain_push_dropped_total{reason="overflow"}';
    const overflowBefore = await metric(allowing, OVERFLOW);
    receiver.down = true;
    const sub = await subscribe(
      allowing,
      subscribeBody(alice, { url: `http://127.0.0.1:${port}/queue`, events: ["sold"] }),
    );
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    // Five sales while the receiver is down: five deliveries for a queue of three.
    const sold = PHONES.slice(1);
    for (const [i, device] of sold.entries()) {
      const tx = signed(acme, 3 + i, "device.sell", { device, owner: alice.keyId });
      assert.equal((await post(allowing.url, tx)).body.code, 0);
    }
    let dropped = 0;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      dropped = (await metric(allowing, OVERFLOW)) - overflowBefore;
      if (dropped >= sold.length - MAX_UNDELIVERED) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(dropped, sold.length - MAX_UNDELIVERED);
    const mine = await http(`${allowing.url}/v1/webhooks/list`, {
      method: "POST",
      body: subscribeBody(alice, { op: "list" }),
    });
    const queued = (mine.body.webhooks as { id: string; undelivered: number }[]).find(
      (w) => w.id === sub.body.id,
    );
    assert.equal(queued?.undelivered, MAX_UNDELIVERED);

    // Back up: what arrives is the newest three sales, not the oldest.
    receiver.down = false;
    await until("the queued deliveries", () => receiver.got.length >= MAX_UNDELIVERED, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const devices = new Set(receiver.got.map((e) => e.device));
    const expected = sold.slice(-MAX_UNDELIVERED).map((d) => `imei:${d.slice(0, 14)}`);
    assert.deepEqual([...devices].sort(), expected.sort());
    assert.equal(
      await metric(allowing, OVERFLOW),
      overflowBefore + dropped,
      "nothing more dropped",
    );
  });
});
