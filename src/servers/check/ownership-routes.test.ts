/**
 * POST /v1/check/{id}/ownership, asked through fastify.inject over a real ledger, behind the real
 * access plugin: keyless, as a buyer asks, on the public tier; and with a real API key.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  ACME,
  ALICE,
  BOB,
  CLEAN_PHONE,
  examplePhoneSteps,
  STOLEN_PHONE,
  STOLEN_PHONE_MAC,
} from "../../../tests/support/consortium.js";
import { codeOf, type HttpApp, startHttpApp } from "../../../tests/support/http-app.js";
import { TEST_CHAIN } from "../../../tests/support/signers.js";
import { encodeChallenge, proveOwnership } from "../../core/check/ownership-proof.js";
import type { Signer } from "../../core/crypto/ed25519.js";
import { monthOf } from "../../core/usage/usage-month.js";
import { DEFAULT_ACCESS } from "../access/access-plans.js";

const ALICE_PHONE = "imei:49015420323751";
const BOB_PHONE = "imei:49015420323752";
/** These tests ask keyless more often in a minute than the default public tier (20) allows. */
const PUBLIC_PER_MINUTE = 200;

describe("ownership check without identity", () => {
  let t: HttpApp;
  before(async () => {
    t = await startHttpApp({
      access: { ...DEFAULT_ACCESS, publicTier: { ratePerMinute: PUBLIC_PER_MINUTE } },
    });
    await t.run(examplePhoneSteps());
  });
  after(async () => {
    await t.close();
  });

  const fresh = () => encodeChallenge(new Uint8Array(randomBytes(32)));
  const ask = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request(`/v1/check/${encodeURIComponent(id)}/ownership`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { ...headers, "content-type": "application/json" },
    });
  const proof = (signer: Signer, device: string, challenge = fresh(), chain = TEST_CHAIN) =>
    proveOwnership(signer, { chain, device, challenge });

  test("the owner's key, by any identifier of the device: owner true, at a height", async () => {
    const p = proof(ALICE, ALICE_PHONE);
    for (const id of [STOLEN_PHONE, STOLEN_PHONE_MAC, ALICE_PHONE]) {
      const r = await ask(id, p);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, {
        owner: true,
        device: ALICE_PHONE,
        height: t.app.reads.last.height,
      });
    }
    assert.ok(!JSON.stringify((await ask(STOLEN_PHONE, p)).body).includes(ALICE.keyId.slice(1)));
  });

  test("another key's valid proof: owner false, never who the owner is", async () => {
    const r = await ask(STOLEN_PHONE, proof(BOB, ALICE_PHONE));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.owner, false);
    assert.ok(!r.text.includes(ALICE.keyId));
    // Bob's own phone, with bob's key: true; a member's key on it: false.
    assert.equal((await ask(CLEAN_PHONE, proof(BOB, BOB_PHONE))).body.owner, true);
    assert.equal((await ask(CLEAN_PHONE, proof(ACME.signer, BOB_PHONE))).body.owner, false);
  });

  test("a forged signature is a coded error, not owner: false", async () => {
    const p = proof(ALICE, ALICE_PHONE);
    const bobs = proof(BOB, ALICE_PHONE, p.challenge);
    // Bob claims alice's key with his own signature.
    const forged = await ask(STOLEN_PHONE, { ...p, signature: bobs.signature });
    assert.equal(forged.status, 400);
    assert.equal(codeOf(forged), "OWNERSHIP_PROOF_INVALID");
    // The owner's signature over one challenge does not answer another.
    const replayed = await ask(STOLEN_PHONE, { ...p, challenge: fresh() });
    assert.equal(codeOf(replayed), "OWNERSHIP_PROOF_INVALID");
    const garbage = await ask(STOLEN_PHONE, { ...p, signature: "A".repeat(86) });
    assert.equal(codeOf(garbage), "OWNERSHIP_PROOF_INVALID");
  });

  test("a proof for another chain or another device is refused", async () => {
    const otherChain = await ask(STOLEN_PHONE, proof(ALICE, ALICE_PHONE, fresh(), "other-chain"));
    assert.equal(codeOf(otherChain), "OWNERSHIP_PROOF_INVALID");
    // Bob signs for his phone and offers it as proof for another device he does not own.
    const otherDevice = await ask(STOLEN_PHONE, proof(BOB, BOB_PHONE));
    assert.equal(codeOf(otherDevice), "OWNERSHIP_PROOF_INVALID");
    // Signed for an alias rather than the primary key: refused, the device is its primary key.
    const alias = await ask(STOLEN_PHONE, proof(ALICE, "mac:AABBCCDDEE01"));
    assert.equal(codeOf(alias), "OWNERSHIP_PROOF_INVALID");
  });

  test("bounds: a challenge of exactly 32 bytes, a key id, a small body", async () => {
    const p = proof(ALICE, ALICE_PHONE);
    for (const challenge of [
      "",
      "abc",
      encodeChallenge(new Uint8Array(32)).slice(0, 42),
      `${p.challenge}A`,
      "*".repeat(43),
    ]) {
      const r = await ask(STOLEN_PHONE, { ...p, challenge });
      assert.equal(r.status, 400, challenge);
      assert.equal(codeOf(r), "OWNERSHIP_CHALLENGE_INVALID", challenge);
    }
    const short = Buffer.alloc(16).toString("base64url");
    assert.equal(
      codeOf(await ask(STOLEN_PHONE, { ...p, challenge: short })),
      "OWNERSHIP_CHALLENGE_INVALID",
    );
    const badKey = await ask(STOLEN_PHONE, { ...p, key: "not-a-key" });
    assert.equal(badKey.status, 400);
    assert.equal(codeOf(badKey), "REQUEST_BAD_PARAMS");
    const missing = await ask(STOLEN_PHONE, { challenge: p.challenge, key: p.key });
    assert.equal(missing.status, 400);
    const big = await ask(STOLEN_PHONE, { ...p, pad: "x".repeat(2_000) });
    assert.equal(big.status, 413);
    const unknown = await ask("490154203237534", p);
    assert.equal(codeOf(unknown), "DEVICE_UNKNOWN");
    const badId = await ask("490154203237519", p);
    assert.equal(codeOf(badId), "IMEI_BAD_CHECK_DIGIT");
  });

  test("keyless on the public tier, unmetered; with a key, metered under check and attributed", async () => {
    const records = () => [...t.access.records(monthOf(Date.now()))];
    const before = records().length;
    const pub = await ask(STOLEN_PHONE, proof(ALICE, ALICE_PHONE));
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.headers["ratelimit-limit"], String(PUBLIC_PER_MINUTE));
    assert.equal(records().length, before, "the public tier is never metered");

    const key = t.apiKey({ org: "insurer", scopes: ["check"] });
    const r = await ask(STOLEN_PHONE, proof(ALICE, ALICE_PHONE), {
      authorization: `Bearer ${key}`,
    });
    assert.equal(r.status, 200, r.text);
    const record = records().find((m) => m.requestId === r.headers["x-request-id"]);
    assert.equal(record?.scope, "check");
    assert.equal(record?.route, "/v1/check/:id/ownership");
    assert.deepEqual(record?.attribution, [ACME.id], "the registering manufacturer");
    // A key without the check scope is refused before the proof is looked at.
    const proofOnly = t.apiKey({ scopes: ["proof"] });
    const refused = await ask(STOLEN_PHONE, proof(ALICE, ALICE_PHONE), {
      authorization: `Bearer ${proofOnly}`,
    });
    assert.equal(codeOf(refused), "ACCESS_SCOPE_FORBIDDEN");
    assert.equal(records().length, before + 1);
  });
});
