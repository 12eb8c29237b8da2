/**
 * The REST API over real HTTP against a real node (LMDB, embedded engine): what needs the socket
 * or the node's configuration. Each route's JSON answers are tested beside its server with
 * fastify.inject (src/servers/rest/*.test.ts, src/servers/eir/equipment-status.test.ts). Each
 * test builds its own node.
 */
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BOB,
  CLEAN_PHONE,
  examplePhoneSteps,
  POLICE,
  STOLEN_PHONE,
} from "../support/consortium.js";
import { type E2eNode, http, startE2eNode } from "./e2e-node.js";

/** A node with the example phones (tests/support/consortium.ts), stopped after `body`. */
async function withNode(body: (n: E2eNode) => Promise<void>): Promise<void> {
  const n = await startE2eNode();
  try {
    await n.run(examplePhoneSteps());
    await body(n);
  } finally {
    await n.stop();
  }
}

test("a committed transaction replies with height, code and events", async () => {
  await withNode(async (n) => {
    const body = await n.submit(BOB, "report.file", { device: CLEAN_PHONE, kind: "stolen" });
    assert.equal(typeof body.height, "number");
    assert.match(String(body.hash), /^[0-9a-f]{64}$/);
    const events = body.events as { type: string }[];
    assert.ok(events.length > 0);
    const tx = await http(`${n.url}/v1/txs/${String(body.hash)}`);
    assert.equal(tx.status, 200);
    assert.equal(tx.body.height, body.height);
  });
});

test("events stream committed blocks as server-sent events", async () => {
  await withNode(async (n) => {
    const controller = new AbortController();
    const res = await fetch(`${n.url}/v1/events`, { signal: controller.signal });
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = res.body!.getReader();
    const submitted = n.submit(POLICE.signer, "report.file", {
      device: STOLEN_PHONE,
      kind: "stolen",
      reference: "CASE-1",
    });
    let text = "";
    const deadline = Date.now() + 10_000;
    while (!text.includes("reported_stolen") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString("utf8");
    }
    const committed = await submitted;
    controller.abort();
    assert.match(text, /event: block/);
    assert.ok(text.includes(String(committed.hash)));
  });
});

describe("unknownDevicePolicy", () => {
  test("GREYLISTED answers unknown devices with that status instead of 404", async () => {
    const n = await startE2eNode({ unknownDevicePolicy: "GREYLISTED" });
    try {
      const r = await http(`${n.url}/n5g-eir-eic/v1/equipment-status?pei=imei-490154203237518`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: "GREYLISTED" });
    } finally {
      await n.stop();
    }
  });
});
