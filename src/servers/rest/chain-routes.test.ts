/** Accounts, blocks and members, asked through fastify.inject over a real ledger. */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ALICE, examplePhoneSteps, REGULATOR } from "../../../tests/support/consortium.js";
import { codeOf, type HttpApp, startHttpApp } from "../../../tests/support/http-app.js";

describe("chain routes", () => {
  let t: HttpApp;
  const steps = examplePhoneSteps();
  before(async () => {
    t = await startHttpApp();
    await t.run(steps);
  });
  after(async () => {
    await t.close();
  });

  test("accounts report the next nonce", async () => {
    const r = await t.request(`/v1/accounts/${ALICE.keyId}`);
    assert.equal(r.body.role, "owner");
    assert.equal(r.body.nextNonce, Number(r.body.lastNonce) + 1);
    const reg = await t.request(`/v1/accounts/${REGULATOR.signer.keyId}`);
    const signedByRegulator = steps.filter((s) => s.signer === REGULATOR.signer).length;
    assert.deepEqual(
      [reg.body.account, reg.body.role, reg.body.lastNonce],
      ["regulator", "regulator", signedByRegulator],
    );
    assert.equal(codeOf(await t.request("/v1/accounts/short")), "REQUEST_BAD_PARAMS");
  });

  test("blocks chain by hash and members list every role", async () => {
    const latest = await t.request("/v1/blocks/latest");
    const header = latest.body.header as { height: number; prevHash: string };
    const prev = await t.request(`/v1/blocks/${header.height - 1}`);
    assert.equal(prev.body.hash, header.prevHash);
    const list = await t.request("/v1/blocks?from=0&limit=3");
    assert.equal((list.body.blocks as unknown[]).length, 3);
    assert.equal(codeOf(await t.request("/v1/blocks/999999")), "NOT_FOUND");
    const members = (await t.request("/v1/members")).body.members as { role: string }[];
    assert.deepEqual(members.map((m) => m.role).sort(), [
      "law_enforcement",
      "manufacturer",
      "regulator",
      "retailer",
    ]);
  });
});
