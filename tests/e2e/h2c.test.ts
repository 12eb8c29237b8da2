/** HTTP/2 cleartext with prior knowledge, as an AMF calls a 5G-EIR, on the same port as HTTP/1.1. */
import * as assert from "node:assert/strict";
import { type ClientHttp2Session, connect } from "node:http2";
import { after, before, describe, test } from "node:test";
import { ACME, consortiumSteps, EXAMPLE_TAC } from "../support/consortium.js";
import { signed } from "../support/signers.js";
import { type E2eNode, http, startE2eNode } from "./e2e-node.js";

/** TS 23.003 Annex B's example IMEI, registered before the tests. */
const PHONE = "490154203237518";

interface H2Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Record<string, unknown>;
}

function h2(
  session: ClientHttp2Session,
  path: string,
  init: { method?: string; body?: string } = {},
): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": init.method ?? "GET",
      ":path": path,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    });
    let status = 0;
    let contentType = "";
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
      contentType = String(headers["content-type"] ?? "");
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () =>
      resolve({ status, contentType, body: JSON.parse(Buffer.concat(chunks).toString() || "{}") }),
    );
    stream.on("error", reject);
    stream.setTimeout(10_000, () => stream.close());
    stream.end(init.body);
  });
}

describe("h2c and HTTP/1.1 on one port", () => {
  let n: E2eNode;
  let session: ClientHttp2Session;

  before(async () => {
    n = await startE2eNode();
    await n.run(consortiumSteps([ACME], [[ACME, EXAMPLE_TAC]]));
    await n.submit(ACME.signer, "device.register", { devices: [{ ids: [PHONE] }] });
    session = connect(n.url);
  });
  after(async () => {
    session.close();
    await n.stop();
  });

  test("equipment-status over h2c: 200, 404 problem+json, 400 invalidParams", async () => {
    // A transaction is committed over h2c too.
    const register = signed(ACME.signer, await n.nextNonce(ACME.signer), "device.register", {
      devices: [{ ids: ["490154203237526"] }],
    });
    const committed = await h2(session, "/v1/txs", {
      method: "POST",
      body: JSON.stringify(register),
    });
    assert.equal(committed.status, 200);
    assert.equal(committed.body.code, 0);
    const ok = await h2(session, "/n5g-eir-eic/v1/equipment-status?pei=imei-490154203237518");
    assert.deepEqual([ok.status, ok.body], [200, { status: "WHITELISTED" }]);
    const unknown = await h2(session, "/n5g-eir-eic/v1/equipment-status?pei=imei-490154203237500");
    assert.equal(unknown.status, 404);
    assert.match(unknown.contentType, /^application\/problem\+json/);
    assert.equal(unknown.body.cause, "ERROR_EQUIPMENT_UNKNOWN");
    const bad = await h2(session, "/n5g-eir-eic/v1/equipment-status?pei=imei-1");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.cause, "INVALID_QUERY_PARAM");
  });

  test("many concurrent streams on one connection all get their own answer", async () => {
    const peis = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0 ? "imei-490154203237518" : "imei-490154203237500",
    );
    const replies = await Promise.all(
      peis.map((p) => h2(session, `/n5g-eir-eic/v1/equipment-status?pei=${p}`)),
    );
    replies.forEach((r, i) => {
      assert.equal(r.status, i % 2 === 0 ? 200 : 404);
    });
  });

  test("HTTP/1.1 keeps working on the same port", async () => {
    const r = await http(`${n.url}/n5g-eir-eic/v1/equipment-status?pei=imei-490154203237518`);
    assert.deepEqual([r.status, r.body], [200, { status: "WHITELISTED" }]);
  });
});
