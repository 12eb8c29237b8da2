/** The device routes, asked through fastify.inject over a real ledger (LMDB, embedded engine). */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { examplePhoneSteps, STOLEN_PHONE } from "../../../tests/support/consortium.js";
import { codeOf, type HttpApp, startHttpApp } from "../../../tests/support/http-app.js";

describe("device routes", () => {
  let t: HttpApp;
  before(async () => {
    t = await startHttpApp();
    await t.run(examplePhoneSteps());
  });
  after(async () => {
    await t.close();
  });

  test("a device by IMEI, IMEISV, PEI and MAC is one record with state and EIR status", async () => {
    // The IMEISV and the MAC in another spelling name the same device.
    const forms = [STOLEN_PHONE, "4901542032375101", `imei-${STOLEN_PHONE}`, "AA-BB-CC-DD-EE-01"];
    for (const form of forms) {
      const r = await t.request(`/v1/devices/${encodeURIComponent(form)}`);
      assert.equal(r.status, 200, form);
      assert.equal(r.body.id, "imei:49015420323751");
      assert.equal(r.body.state, "stolen");
      assert.equal(r.body.equipmentStatus, "BLACKLISTED");
      assert.match(String(r.body.ownerFingerprint), /^[0-9a-f]{16}$/);
    }
    const history = await t.request(`/v1/devices/${STOLEN_PHONE}/history`);
    const events = (history.body.history as { event: string; actor: string }[]).map((h) => h.event);
    assert.deepEqual(events, ["registered", "sold", "reported_stolen"]);
  });

  test("device pages cover every device once", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const q = after === undefined ? "limit=1" : `limit=1&after=${encodeURIComponent(after)}`;
      const r = await t.request(`/v1/devices?${q}`);
      const devices = r.body.devices as { id: string }[];
      seen.push(...devices.map((d) => d.id));
      after = r.body.next as string | undefined;
      if (after === undefined) break;
    }
    assert.deepEqual(seen, ["imei:49015420323751", "imei:49015420323752"]);
    assert.equal(codeOf(await t.request("/v1/devices?limit=5000")), "REQUEST_BAD_PARAMS");
  });
});
