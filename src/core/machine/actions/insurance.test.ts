/** insurance.settle through the state machine: the title change, every refusal, and the consent. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { consortiumSteps, testMember } from "../../../../tests/support/consortium.js";
import { insuranceConsent } from "../../../../tests/support/insurance-consent.js";
import { MemoryChain, withoutNonces } from "../../../../tests/support/memory-chain.js";
import { testSigner } from "../../../../tests/support/signers.js";
import type { Signer } from "../../crypto/ed25519.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { luhnCheckDigit } from "../../identifiers/luhn.js";
import { type Device, readDevice } from "../../state/device.js";
import { deviceState } from "../../state/device-state.js";
import type { TxType } from "../../tx/tx-type.js";
import { lastNonce } from "../verify.js";
import { parseSettle } from "./insurance.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const PHONE = imei("35000000000001");
const PHONE_KEY = "imei:35000000000001";
const SECOND_IMEI = imei("35000000000002"); // the same phone's second IMEI: an alias
const OTHER = imei("35000000000003"); // bob's phone, also stolen
const UNSOLD = imei("35000000000004"); // never sold, stolen from the warehouse

const mfr = testSigner("mfr");
const police = testSigner("police");
const insurer = testSigner("insurer");
const insurer2 = testSigner("insurer2");
const shop = testSigner("shop");
const alice = testSigner("alice");
const bob = testSigner("bob");
const CLAIM = "CLM-2026-0001";

function chain(): MemoryChain {
  const c = MemoryChain.withRegulator();
  const MFR = testMember("mfr", "manufacturer");
  const members = [
    MFR,
    testMember("police", "law_enforcement"),
    testMember("insurer", "insurer"),
    testMember("insurer2", "insurer"),
    testMember("shop", "retailer"),
  ];
  c.run(consortiumSteps(members, [[MFR, "35000000"]]));
  c.must(
    c.tx(mfr, "device.register", {
      devices: [{ ids: [PHONE, SECOND_IMEI] }, { ids: [OTHER] }, { ids: [UNSOLD] }],
    }),
  );
  c.must(c.tx(shop, "device.sell", { device: PHONE, owner: alice.keyId }));
  c.must(c.tx(shop, "device.sell", { device: OTHER, owner: bob.keyId }));
  c.must(c.tx(alice, "report.file", { device: PHONE, kind: "stolen" }));
  c.must(c.tx(bob, "report.file", { device: OTHER, kind: "stolen" }));
  c.must(c.tx(police, "report.file", { device: UNSOLD, kind: "stolen", reference: "CASE-9" }));
  return c;
}
const base = chain();

const device = (c: MemoryChain, key = PHONE_KEY): Device => {
  const d = readDevice(c, key);
  assert.ok(d);
  return d;
};
const one = (c: MemoryChain, s: Signer, type: TxType, params: JsonObject) => {
  const [r] = c.block([c.tx(s, type, params)]);
  return r;
};
/** Alice's consent to `insurer` settling CLAIM on her phone, unless a field is overridden. */
const aliceConsent = (over: Partial<Parameters<typeof insuranceConsent>[1]> = {}) =>
  insuranceConsent(alice, { device: PHONE_KEY, insurer: insurer.keyId, claim: CLAIM, ...over });
const settle = (consent = aliceConsent(), params: JsonObject = {}) => ({
  device: PHONE,
  claim: CLAIM,
  consent,
  ...params,
});

test("a settled claim gives the insurer the title; the device stays stolen", () => {
  const c = base.fork();
  const r = one(c, insurer, "insurance.settle", settle());
  assert.equal(r?.codeName, "OK", r?.log);
  const d = device(c);
  assert.equal(d.owner, insurer.keyId);
  assert.deepEqual(d.settlement, { insurer: insurer.keyId, claim: CLAIM, height: c.height });
  assert.equal(deviceState(d), "stolen", "the report stays: the phone is still out there");
  assert.equal(d.marks.length, 1);
  assert.equal(d.history.at(-1)?.event, "insurance.settle");
  assert.equal(d.history.at(-1)?.actor, "insurer");
  assert.deepEqual(r?.events, [
    {
      type: "device.changed",
      attributes: {
        device: PHONE_KEY,
        event: "insurance.settle",
        state: "stolen",
        status: "BLACKLISTED",
      },
    },
  ]);
});

test("the device may be named by an alias; the consent still names its primary key", () => {
  const c = base.fork();
  assert.equal(
    one(c, insurer, "insurance.settle", settle(aliceConsent(), { device: SECOND_IMEI }))?.codeName,
    "OK",
  );
  assert.equal(device(c).owner, insurer.keyId);
  const aliasConsent = aliceConsent({ device: "imei:35000000000002" });
  assert.equal(
    one(base.fork(), insurer, "insurance.settle", settle(aliasConsent))?.codeName,
    "INSURANCE_CONSENT_INVALID",
  );
});

test("a consent is bound to its chain, device, insurer, claim and owner", () => {
  const refused = (consent: string, params: JsonObject = {}, signer = insurer) => {
    const c = base.fork();
    const r = one(c, signer, "insurance.settle", settle(consent, params));
    assert.equal(r?.codeName, "INSURANCE_CONSENT_INVALID", r?.log);
    assert.deepEqual(withoutNonces(c.state), withoutNonces(base.state), "nothing changes");
  };
  refused(aliceConsent({ chain: "another-chain" }));
  // Another device: alice's consent cannot take bob's phone, nor his consent hers.
  refused(aliceConsent(), { device: OTHER });
  refused(
    insuranceConsent(bob, { device: "imei:35000000000003", insurer: insurer.keyId, claim: CLAIM }),
  );
  // Another insurer cannot spend the consent alice gave the first.
  refused(aliceConsent(), {}, insurer2);
  refused(aliceConsent({ claim: "CLM-OTHER" }));
  // A consent that names another owner, or is signed by anyone but the owner.
  refused(aliceConsent({ owner: bob.keyId }));
  refused(
    insuranceConsent(bob, {
      device: PHONE_KEY,
      insurer: insurer.keyId,
      claim: CLAIM,
      owner: alice.keyId,
    }),
  );
  // The insurer's own signature over the same bytes is no consent.
  refused(
    insuranceConsent(insurer, {
      device: PHONE_KEY,
      insurer: insurer.keyId,
      claim: CLAIM,
      owner: alice.keyId,
    }),
  );
});

test("refusals: not stolen, no owner, already settled, not an insurer, bad params", () => {
  const lost = chain();
  lost.must(lost.tx(alice, "report.clear", { device: PHONE }));
  lost.must(lost.tx(alice, "report.file", { device: PHONE, kind: "lost" }));
  assert.equal(one(lost, insurer, "insurance.settle", settle())?.codeName, "INSURANCE_NOT_STOLEN");

  const clean = chain();
  clean.must(clean.tx(alice, "report.clear", { device: PHONE }));
  assert.equal(one(clean, insurer, "insurance.settle", settle())?.codeName, "INSURANCE_NOT_STOLEN");

  const consentForUnsold = insuranceConsent(alice, {
    device: "imei:35000000000004",
    insurer: insurer.keyId,
    claim: CLAIM,
  });
  assert.equal(
    one(base.fork(), insurer, "insurance.settle", settle(consentForUnsold, { device: UNSOLD }))
      ?.codeName,
    "DEVICE_NOT_SOLD",
  );

  const twice = base.fork();
  assert.equal(one(twice, insurer, "insurance.settle", settle())?.codeName, "OK");
  assert.equal(
    one(twice, insurer, "insurance.settle", settle())?.codeName,
    "INSURANCE_ALREADY_SETTLED",
  );
  const second = insuranceConsent(insurer, {
    device: PHONE_KEY,
    insurer: insurer2.keyId,
    claim: "CLM-2",
  });
  assert.equal(
    one(twice, insurer2, "insurance.settle", settle(second, { claim: "CLM-2" }))?.codeName,
    "INSURANCE_ALREADY_SETTLED",
    "even with the new owner's consent, a device is settled once",
  );

  for (const s of [alice, police, shop, mfr]) {
    assert.equal(one(base.fork(), s, "insurance.settle", settle())?.codeName, "ROLE_FORBIDDEN");
  }
  for (const bad of [{ claim: "" }, { claim: "x".repeat(65) }, { consent: "abc" }, { extra: 1 }]) {
    assert.equal(
      one(base.fork(), insurer, "insurance.settle", settle(aliceConsent(), bad))?.codeName,
      "TX_BAD_PARAMS",
    );
  }
  assert.throws(() => parseSettle({ device: PHONE, claim: CLAIM }));
});

test("a refused settlement spends its nonce and can never run later", () => {
  const c = base.fork();
  const tx = c.tx(insurer, "insurance.settle", settle(aliceConsent({ claim: "CLM-X" })));
  assert.equal(c.block([tx])[0]?.codeName, "INSURANCE_CONSENT_INVALID");
  assert.equal(lastNonce(c, insurer.keyId), tx.body.nonce);
  assert.equal(c.block([tx])[0]?.codeName, "TX_NONCE_REPLAYED");
});

test("on recovery the insurer, as the owner now, clears the owner's report; the former owner cannot", () => {
  const c = base.fork();
  c.must(c.tx(police, "report.file", { device: PHONE, kind: "stolen", reference: "CASE-1" }));
  c.must(c.tx(insurer, "insurance.settle", settle()));
  assert.equal(one(c, alice, "report.clear", { device: PHONE })?.codeName, "DEVICE_NOT_OWNER");
  assert.equal(one(c, insurer2, "report.clear", { device: PHONE })?.codeName, "DEVICE_NO_MARK");
  assert.equal(one(c, insurer, "report.clear", { device: PHONE })?.codeName, "OK");
  assert.deepEqual(
    device(c).marks.map((m) => m.by),
    ["police"],
    "the police's mark stays the police's to clear",
  );
  assert.equal(one(c, police, "report.clear", { device: PHONE })?.codeName, "OK");
  const d = device(c);
  assert.equal(deviceState(d), "recovered");
  assert.equal(d.owner, insurer.keyId);
  assert.equal(d.settlement?.claim, CLAIM, "the settlement stays on the record");
});
