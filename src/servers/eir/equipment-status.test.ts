/** N5g-eir equipment-status (TS 29.511), asked through fastify.inject over a real ledger. */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CLEAN_PHONE, examplePhoneSteps, STOLEN_PHONE } from "../../../tests/support/consortium.js";
import { type HttpApp, startHttpApp } from "../../../tests/support/http-app.js";

const STOLEN = STOLEN_PHONE;
const CLEAN = CLEAN_PHONE;

describe("N5g-eir equipment-status", () => {
  let t: HttpApp;
  before(async () => {
    t = await startHttpApp();
    await t.run(examplePhoneSteps());
  });
  after(async () => {
    await t.close();
  });
  const eir = (q: string) => t.request(`/n5g-eir-eic/v1/equipment-status?${q}`);

  test("equipment-status answers by the device-state table (docs/PROTOCOL.md), 404 problem+json for unknown, 400 invalidParams", async () => {
    assert.deepEqual((await eir(`pei=imei-${STOLEN}`)).body, { status: "BLACKLISTED" });
    assert.deepEqual((await eir(`pei=imei-${CLEAN}`)).body, { status: "WHITELISTED" });
    // A network may send the IMEISV form; it resolves to the same device.
    assert.deepEqual((await eir("pei=imeisv-4901542032375201")).body, { status: "WHITELISTED" });
    assert.deepEqual((await eir("pei=mac-AA-BB-CC-DD-EE-01&supi=imsi-001010000000001")).body, {
      status: "BLACKLISTED",
    });
    const unknown = await eir("pei=imei-490154203237500");
    assert.equal(unknown.status, 404);
    assert.match(unknown.contentType, /^application\/problem\+json/);
    assert.equal(unknown.body.cause, "ERROR_EQUIPMENT_UNKNOWN");
    for (const q of ["pei=imei-4901", "pei=phone-1", "", "pei="]) {
      const bad = await eir(q);
      assert.equal(bad.status, 400, q);
      assert.match(bad.contentType, /^application\/problem\+json/);
      assert.equal(bad.body.cause, "INVALID_QUERY_PARAM");
      const params = bad.body.invalidParams as { param: string }[];
      assert.equal(params[0]?.param, "pei");
    }
    // The optional parameters are checked against their TS 29.571 patterns.
    for (const [q, param] of [
      [`pei=imei-${CLEAN}&supported-features=xyz`, "supported-features"],
      [`pei=imei-${CLEAN}&supi=`, "supi"],
      [`pei=imei-${CLEAN}&gpsi=a&gpsi=b`, "gpsi"],
    ] as const) {
      const bad = await eir(q);
      assert.equal(bad.status, 400, q);
      assert.equal((bad.body.invalidParams as { param: string }[])[0]?.param, param, q);
    }
    assert.deepEqual((await eir(`pei=imei-${CLEAN}&supported-features=0aF`)).body, {
      status: "WHITELISTED",
    });
    const long = await eir(`pei=imei-${CLEAN}&gpsi=msisdn-${"1".repeat(5_000)}`);
    assert.equal(long.status, 414);
    assert.match(long.contentType, /^application\/problem\+json/);
  });

  test("equipment-status answers 405 with Allow to any other method, before reading a body", async () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "QUERY"]) {
      const r = await t.request(`/n5g-eir-eic/v1/equipment-status?pei=imei-${CLEAN}`, {
        method,
        ...(method === "POST"
          ? { body: "<not json>", headers: { "content-type": "text/xml" } }
          : {}),
      });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, "GET, HEAD", method);
      assert.equal(r.body.cause, "METHOD_NOT_ALLOWED");
    }
  });
});
