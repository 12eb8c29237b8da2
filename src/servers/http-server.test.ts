/** The node's HTTP server as a whole, through fastify.inject: status, health, metrics and docs. */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { examplePhoneSteps, STOLEN_PHONE } from "../../tests/support/consortium.js";
import { codeOf, type HttpApp, startHttpApp } from "../../tests/support/http-app.js";
import { TEST_CHAIN } from "../../tests/support/signers.js";

describe("the node's HTTP server", () => {
  let t: HttpApp;
  before(async () => {
    t = await startHttpApp();
    await t.run(examplePhoneSteps());
  });
  after(async () => {
    await t.close();
  });

  test("status, health, readiness, metrics and the OpenAPI document", async () => {
    const status = await t.request("/v1/status");
    assert.equal(status.body.chainId, TEST_CHAIN);
    assert.equal(status.body.engine, "embedded");
    assert.equal((await t.request("/healthz")).status, 200);
    assert.equal((await t.request("/readyz")).body.ready, true);
    // One check of the stolen phone, for the EIR counter to have a BLACKLISTED sample.
    await t.request(`/n5g-eir-eic/v1/equipment-status?pei=imei-${STOLEN_PHONE}`);
    const metrics = (await t.request("/metrics")).text;
    assert.match(metrics, /devicechain_block_height \d+/);
    assert.match(metrics, /devicechain_eir_requests_total\{status="BLACKLISTED"\} \d+/);
    const doc = await t.request("/openapi.json");
    assert.equal(doc.body.openapi, "3.1.0");
    const paths = Object.keys(doc.body.paths as object);
    for (const p of [
      "/v1/txs",
      "/v1/devices/{id}",
      "/n5g-eir-eic/v1/equipment-status",
      "/v1/events",
    ]) {
      assert.ok(paths.includes(p), `${p} missing from ${paths.join(", ")}`);
    }
    assert.equal((await t.request("/docs")).status, 200);
    assert.equal(codeOf(await t.request("/v2/nothing")), "NOT_FOUND");
  });
});
