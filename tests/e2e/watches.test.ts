/**
 * Watches on a real node (real LMDB, real HTTP, real signatures): a member's watch delivers a
 * stolen report to a loopback webhook, signed by the node key, with no owner key in it; a stream
 * watch gets the same change; an expired watch (the node's clock moved on) delivers nothing; a
 * restart keeps the watches. Members sign their watch requests; API keys (paid access) are
 * tested against the routes in src/servers/watch/watch-routes.test.ts.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { NodeClient } from "../../src/clients/sdk/node-client.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { toBase64Url, utf8 } from "../../src/core/encoding/bytes.js";
import { canonicalBytes, type JsonObject } from "../../src/core/encoding/canonical-json.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { type RunningNode, runNode } from "../../src/node/node.js";
import { loadNodeConfig } from "../../src/node/node-config.js";
import { verifyDelivery } from "../../src/node/push/delivery-signature.js";
import {
  ACME,
  ALICE,
  BOB,
  CLEAN_PHONE,
  examplePhoneSteps,
  POLICE,
  STOLEN_PHONE,
  testGenesis,
} from "../support/consortium.js";
import { signed, TEST_CHAIN } from "../support/signers.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";
import { http, until } from "./e2e-node.js";

const DAY = 86_400_000;

const signedRequest = (signer: Signer, fields: Record<string, unknown>) => {
  const request = { chain: TEST_CHAIN, key: signer.keyId, time: Date.now(), ...fields };
  return { request, sig: toBase64Url(signer.sign(canonicalBytes(request))) };
};
const signedQuery = (signer: Signer, fields: Record<string, unknown>): string => {
  const { request, sig } = signedRequest(signer, fields);
  return `request=${toBase64Url(utf8(JSON.stringify(request)))}&sig=${sig}`;
};

describe("watches on a node", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-watches-"));
  writeFileSync(path.join(dir, "genesis.json"), JSON.stringify(testGenesis()));
  const config = loadNodeConfig(dir, {
    port: 0,
    s13Port: 0,
    radiusAuthPort: -1,
    radiusAcctPort: -1,
    blockMaxWaitMs: 5,
    dev: true,
    webhookRetryMinMs: 100,
    // The receivers listen on loopback, which a node refuses unless it is allow-listed.
    webhookAllowedHosts: ["127.0.0.1"],
  });
  /** How far the node's clock is ahead of the real one. */
  let offset = 0;
  const clock = (): number => Date.now() + offset;
  let node: RunningNode;
  const hook = new WebhookReceiver();
  const shortHook = new WebhookReceiver();
  let watchId = "";
  let streamWatchId = "";
  let shortWatchId = "";

  const start = async (): Promise<void> => {
    node = await runNode(config, { logger: pino({ level: "silent" }), clock });
  };
  const submit = async (signer: Signer, type: TxType, params: JsonObject): Promise<void> => {
    const account = await http(`${node.url}/v1/accounts/${signer.keyId}`);
    const tx = signed(signer, account.body.nextNonce as number, type, params);
    const r = await http(`${node.url}/v1/txs`, { method: "POST", body: JSON.stringify(tx) });
    assert.equal(r.body.code, 0, `${type}: ${JSON.stringify(r.body)}`);
  };
  const createWatch = async (signer: Signer, fields: Record<string, unknown>) => {
    const r = await http(`${node.url}/v1/watches`, {
      method: "POST",
      body: JSON.stringify(signedRequest(signer, { op: "watch", ...fields })),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return String(r.body.id);
  };

  before(async () => {
    await hook.listen();
    await shortHook.listen();
    await start();
    for (const s of examplePhoneSteps()) await submit(s.signer, s.type, s.params);
  });
  after(async () => {
    await node.close();
    await hook.close();
    await shortHook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a stolen report reaches the watch's webhook and its stream, signed, without owner keys", async () => {
    watchId = await createWatch(POLICE.signer, {
      devices: [CLEAN_PHONE],
      webhook: { url: hook.url },
    });
    // The SDK's watch(), signed by a member: no webhook, so a stream.
    const sdk = new NodeClient(node.url, 10_000);
    const streamWatch = await sdk.watch(
      { devices: [CLEAN_PHONE], days: 90 },
      { signer: ACME.signer, chain: TEST_CHAIN },
    );
    assert.equal(streamWatch.owner, "acme");
    assert.equal(streamWatch.webhook, null);
    streamWatchId = streamWatch.id;
    const q = signedQuery(ACME.signer, { op: "watch.events", id: streamWatchId });
    const ac = new AbortController();
    const res = await fetch(`${node.url}/v1/watches/${streamWatchId}/events?${q}`, {
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();

    // CLEAN_PHONE is bob's; the police report it stolen with a case reference.
    await submit(POLICE.signer, "report.file", {
      device: CLEAN_PHONE,
      kind: "stolen",
      reference: "case-42",
    });
    await until("the webhook delivery", () => hook.got.length >= 1, 10_000);
    const [delivery] = hook.got;
    assert.ok(delivery);
    const { keyId } = (await http(`${node.url}/v1/webhooks/signing-key`)).body;
    assert.ok(
      verifyDelivery(
        delivery.signature,
        { nodeKeyId: String(keyId) },
        delivery.id,
        delivery.timestamp,
        delivery.body,
      ),
      "signed by the node key",
    );
    assert.ok(
      !verifyDelivery(
        delivery.signature,
        { nodeKeyId: String(keyId) },
        delivery.id,
        delivery.timestamp,
        delivery.body.replace("stolen", "lost"),
      ),
      "a tampered body does not verify",
    );
    const event = JSON.parse(delivery.body) as Record<string, unknown>;
    assert.equal(event.watch, watchId);
    assert.equal(event.event, "reported_stolen");
    assert.equal(event.state, "stolen");
    assert.equal(event.tx, undefined);
    // CLEAN_PHONE's owner is bob: neither his key nor its fingerprint is delivered.
    const device = (await http(`${node.url}/v1/devices/${CLEAN_PHONE}`)).body;
    const fingerprint = String(device.ownerFingerprint ?? "");
    assert.ok(fingerprint.length > 0, "the device has an owner");
    assert.ok(!delivery.body.includes(fingerprint), "the owner's fingerprint is not delivered");
    const ownerKey = BOB.keyId;
    assert.ok(!delivery.body.includes(ownerKey), "the owner's key is not delivered");
    assert.ok(!delivery.body.includes(POLICE.signer.keyId), "nor the signer's");
    assert.ok(!/subscriber|imsi|supi/i.test(delivery.body), "nor a subscriber");

    // The stream watch got the same change: the same event, under its own watch id.
    let text = "";
    const deadline = Date.now() + 10_000;
    while (!/data: .*\n\n/.test(text)) {
      if (Date.now() > deadline) assert.fail("no stream event within 10 s");
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString("utf8");
    }
    ac.abort();
    const data = /data: (.*)\n/.exec(text)?.[1];
    const streamed = JSON.parse(String(data)) as Record<string, unknown>;
    assert.deepEqual({ ...streamed, watch: watchId }, event);
  });

  test("an expired watch delivers nothing, while a live one still does", async () => {
    shortWatchId = await createWatch(POLICE.signer, {
      devices: [STOLEN_PHONE],
      days: 1,
      webhook: { url: shortHook.url },
    });
    const longWatch = await createWatch(ACME.signer, {
      devices: [STOLEN_PHONE],
      webhook: { url: hook.url },
    });
    offset = 2 * DAY;
    const before = hook.got.length;
    // alice's phone was reported stolen by her; she clears her report: it is recovered.
    await submit(ALICE, "report.clear", { device: STOLEN_PHONE });
    await until("the live watch's delivery", () => hook.got.length > before, 10_000);
    assert.equal(hook.events().at(-1)?.watch, longWatch);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(shortHook.got.length, 0, "nothing after expiresAt");
    const list = await http(
      `${node.url}/v1/watches?${signedQuery(POLICE.signer, { op: "watch.list" })}`,
    );
    const ids = (list.body.watches as { id: string }[]).map((w) => w.id);
    assert.ok(!ids.includes(shortWatchId), "an expired watch is not listed");
    assert.ok(ids.includes(watchId));
  });

  test("a restart keeps the watches, which deliver again", async () => {
    await node.close();
    await start();
    const q = signedQuery(POLICE.signer, { op: "watch.get", id: watchId });
    const got = await http(`${node.url}/v1/watches/${watchId}?${q}`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual((got.body.webhook as { url: string }).url, hook.url);
    const before = hook.got.length;
    await submit(POLICE.signer, "report.clear", { device: CLEAN_PHONE });
    await until("a delivery after the restart", () => hook.got.length > before, 10_000);
    const last = hook.events().at(-1);
    assert.equal(last?.watch, watchId);
    assert.equal(last?.event, "recovered");
  });
});
