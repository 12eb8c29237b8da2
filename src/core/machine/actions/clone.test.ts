/** Clone suspicion and IMEI–subscriber pairings, through the state machine (docs/CLONES.md). */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { consortiumSteps, testMember } from "../../../../tests/support/consortium.js";
import { MemoryChain, withoutNonces } from "../../../../tests/support/memory-chain.js";
import { TEST_CHAIN, testSigner } from "../../../../tests/support/signers.js";
import type { Signer } from "../../crypto/ed25519.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { isError } from "../../errors/devicechain-error.js";
import { luhnCheckDigit } from "../../identifiers/luhn.js";
import { readChain } from "../../state/chain.js";
import { type Device, readDevice } from "../../state/device.js";
import { deviceState } from "../../state/device-state.js";
import { equipmentStatus } from "../../state/equipment-status.js";
import { defaultPairingSalt, pairingHash, pairingSaltOf } from "../../state/pairing.js";
import type { TxType } from "../../tx/tx-type.js";
import { parseGenesis } from "../genesis.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const PHONE = imei("35000000000001");
const PHONE_KEY = "imei:35000000000001";
const SECOND_IMEI = imei("35000000000002"); // the same phone's second IMEI
const EVIDENCE = "ab".repeat(32);

const reg = testSigner("regulator");
const op = testSigner("op");
const op2 = testSigner("op2");
const mfr = testSigner("mfr");
const mfr2 = testSigner("mfr2");
const police = testSigner("police");
const alice = testSigner("alice");

function chain(): MemoryChain {
  const c = MemoryChain.withRegulator();
  const MFR = testMember("mfr", "manufacturer");
  const members = [
    testMember("op", "operator"),
    testMember("op2", "operator"),
    MFR,
    testMember("mfr2", "manufacturer"),
    testMember("police", "law_enforcement"),
  ];
  c.run(consortiumSteps(members, [[MFR, "35000000"]]));
  c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE, SECOND_IMEI] }] }));
  c.must(c.tx(mfr, "device.sell", { device: PHONE, owner: alice.keyId }));
  return c;
}
const base = chain();

const device = (c: MemoryChain): Device => {
  const d = readDevice(c, PHONE_KEY);
  assert.ok(d);
  return d;
};
const status = (c: MemoryChain) => equipmentStatus(deviceState(device(c)));
const one = (c: MemoryChain, s: Signer, type: TxType, params: JsonObject) => {
  const [r] = c.block([c.tx(s, type, params)]);
  return r?.codeName;
};
const salt = () => {
  const ch = readChain(base);
  assert.ok(ch);
  return pairingSaltOf(ch);
};
const hashOf = (subscriber: string) => pairingHash(salt(), PHONE_KEY, subscriber);

test("a clone suspicion greylists the device and shows in its history", () => {
  const c = base.fork();
  assert.equal(status(c), "WHITELISTED");
  const [r] = c.block([
    c.tx(op, "clone.suspect", { device: PHONE, rule: "imei-multi-subscriber", evidence: EVIDENCE }),
  ]);
  assert.equal(r?.codeName, "OK", r?.log);
  assert.equal(deviceState(device(c)), "clone_suspected");
  assert.equal(status(c), "GREYLISTED");
  assert.deepEqual(device(c).suspicions, [
    { by: "op", rule: "imei-multi-subscriber", evidence: EVIDENCE, height: c.height },
  ]);
  assert.equal(device(c).history.at(-1)?.event, "clone_suspected");
  assert.equal(device(c).history.at(-1)?.actor, "operator");
  assert.deepEqual(
    r?.events.map((e) => e.type),
    ["device.changed", "clone.suspected"],
  );
  assert.equal(r?.events[0]?.attributes.status, "GREYLISTED");
  assert.equal(r?.events[1]?.attributes.evidence, EVIDENCE);
  // Found through the second IMEI as well: the suspicion is on the device.
  assert.equal(
    one(c, op2, "clone.suspect", {
      device: SECOND_IMEI,
      rule: "imei-far-apart",
      evidence: EVIDENCE,
    }),
    "OK",
  );
  assert.equal(device(c).suspicions?.length, 2);
});

test("one open suspicion per operator; bad params, scrapped and unknown devices are refused", () => {
  const c = base.fork();
  const params = { device: PHONE, rule: "r1", evidence: EVIDENCE };
  assert.equal(one(c, op, "clone.suspect", params), "OK");
  const before = new Map(c.state);
  assert.equal(one(c, op, "clone.suspect", { ...params, rule: "r2" }), "CLONE_ALREADY_SUSPECTED");
  assert.deepEqual(
    withoutNonces(c.state),
    withoutNonces(before),
    "a refused suspicion changes nothing but its signer's nonce",
  );
  for (const bad of [
    { ...params, evidence: "AB".repeat(32) },
    { ...params, evidence: "ab" },
    { ...params, rule: "Has Spaces" },
    { ...params, extra: 1 },
    { device: PHONE, rule: "r1" },
  ]) {
    assert.equal(one(base.fork(), op2, "clone.suspect", bad), "TX_BAD_PARAMS", JSON.stringify(bad));
  }
  assert.equal(
    one(base.fork(), op2, "clone.suspect", { ...params, device: imei("35000000000099") }),
    "DEVICE_UNKNOWN",
  );
  const scrapped = base.fork();
  scrapped.must(scrapped.tx(alice, "device.scrap", { device: PHONE }));
  assert.equal(one(scrapped, op, "clone.suspect", params), "DEVICE_SCRAPPED");
});

test("a stronger state keeps the device blacklisted; the suspicion is still recorded", () => {
  const c = base.fork();
  c.must(c.tx(alice, "report.file", { device: PHONE, kind: "stolen" }));
  assert.equal(one(c, op, "clone.suspect", { device: PHONE, rule: "r", evidence: EVIDENCE }), "OK");
  assert.equal(deviceState(device(c)), "stolen");
  assert.equal(status(c), "BLACKLISTED");
  assert.equal(device(c).suspicions?.length, 1);
  // When the theft is cleared, the open suspicion shows.
  c.must(c.tx(alice, "report.clear", { device: PHONE }));
  assert.equal(status(c), "GREYLISTED");
});

test("the regulator clears a clone case; pairings stay", () => {
  const c = base.fork();
  assert.equal(one(c, reg, "clone.clear", { device: PHONE }), "CLONE_NOT_SUSPECTED");
  c.must(c.tx(op, "clone.suspect", { device: PHONE, rule: "r", evidence: EVIDENCE }));
  c.must(c.tx(op2, "clone.suspect", { device: PHONE, rule: "r", evidence: EVIDENCE }));
  c.must(c.tx(reg, "pairing.add", { device: PHONE, hash: hashOf("imsi-001010000000001") }));
  assert.equal(one(c, reg, "clone.clear", { device: PHONE }), "OK");
  assert.equal(device(c).suspicions, undefined);
  assert.equal(device(c).pairings?.length, 1);
  assert.equal(status(c), "WHITELISTED");
  assert.equal(device(c).history.at(-1)?.event, "clone_cleared");
  // A cleared operator may raise a new suspicion later.
  assert.equal(one(c, op, "clone.suspect", { device: PHONE, rule: "r", evidence: EVIDENCE }), "OK");
});

test("the regulator adds and removes pairings; duplicates, unknown and a ninth are refused", () => {
  const c = base.fork();
  const h1 = hashOf("imsi-001010000000001");
  assert.equal(one(c, reg, "pairing.add", { device: PHONE, hash: h1 }), "OK");
  assert.deepEqual(device(c).pairings, [{ hash: h1, by: "regulator", height: c.height }]);
  assert.equal(device(c).history.at(-1)?.event, "paired");
  assert.equal(status(c), "WHITELISTED", "a pairing alone does not change the device's status");
  assert.equal(one(c, reg, "pairing.add", { device: SECOND_IMEI, hash: h1 }), "PAIRING_EXISTS");
  for (let i = 2; i <= 8; i++) {
    assert.equal(
      one(c, reg, "pairing.add", { device: PHONE, hash: hashOf(`00101000000000${i}`) }),
      "OK",
    );
  }
  assert.equal(
    one(c, reg, "pairing.add", { device: PHONE, hash: hashOf("001010000000009") }),
    "PAIRING_LIMIT",
  );
  assert.equal(
    one(c, reg, "pairing.remove", { device: PHONE, hash: hashOf("001010000000009") }),
    "PAIRING_UNKNOWN",
  );
  assert.equal(one(c, reg, "pairing.remove", { device: PHONE, hash: h1 }), "OK");
  assert.equal(device(c).pairings?.length, 7);
  assert.equal(device(c).history.at(-1)?.event, "unpaired");
  for (let i = 2; i <= 8; i++) {
    c.must(c.tx(reg, "pairing.remove", { device: PHONE, hash: hashOf(`00101000000000${i}`) }));
  }
  assert.equal(device(c).pairings, undefined, "the last removal leaves no empty list");
  assert.equal(
    one(c, reg, "pairing.add", { device: PHONE, hash: "AB".repeat(32) }),
    "TX_BAD_PARAMS",
  );
  assert.equal(one(c, reg, "pairing.add", { device: PHONE, hash: "ab" }), "TX_BAD_PARAMS");
});

test("a manufacturer pairs only its own devices, only while the regulator delegates it", () => {
  const c = base.fork();
  const h = hashOf("imsi-001010000000001");
  assert.equal(one(c, mfr, "pairing.add", { device: PHONE, hash: h }), "PAIRING_NOT_DELEGATED");
  assert.equal(one(c, reg, "pairing.delegate", { manufacturer: "mfr" }), "OK");
  assert.equal(one(c, reg, "pairing.delegate", { manufacturer: "mfr" }), "DELEGATION_UNCHANGED");
  assert.equal(one(c, mfr, "pairing.add", { device: PHONE, hash: h }), "OK");
  assert.equal(device(c).pairings?.[0]?.by, "mfr");
  // Another delegated manufacturer may not touch mfr's device.
  c.must(c.tx(reg, "pairing.delegate", { manufacturer: "mfr2" }));
  assert.equal(one(c, mfr2, "pairing.remove", { device: PHONE, hash: h }), "PAIRING_NOT_DELEGATED");
  // Revoked: mfr can no longer remove what it added; the regulator still can.
  assert.equal(one(c, reg, "pairing.delegate", { manufacturer: "mfr", revoke: true }), "OK");
  assert.equal(one(c, mfr, "pairing.remove", { device: PHONE, hash: h }), "PAIRING_NOT_DELEGATED");
  assert.equal(
    one(c, reg, "pairing.delegate", { manufacturer: "mfr", revoke: true }),
    "DELEGATION_UNCHANGED",
  );
  assert.equal(one(c, reg, "pairing.remove", { device: PHONE, hash: h }), "OK");
  // Delegation goes to manufacturers only, and only to members.
  assert.equal(one(c, reg, "pairing.delegate", { manufacturer: "op" }), "TX_BAD_PARAMS");
  assert.equal(one(c, reg, "pairing.delegate", { manufacturer: "nobody" }), "MEMBER_UNKNOWN");
  assert.equal(
    one(c, reg, "pairing.delegate", { manufacturer: "mfr", revoke: false }),
    "TX_BAD_PARAMS",
  );
  // Operators and the police may not pair at all.
  assert.equal(one(c, op, "pairing.add", { device: PHONE, hash: h }), "ROLE_FORBIDDEN");
  assert.equal(
    one(c, police, "clone.suspect", { device: PHONE, rule: "r", evidence: EVIDENCE }),
    "ROLE_FORBIDDEN",
  );
  assert.equal(
    one(c, reg, "clone.suspect", { device: PHONE, rule: "r", evidence: EVIDENCE }),
    "ROLE_FORBIDDEN",
  );
});

test("genesis writes the pairing salt into the chain record: its own, or the default", () => {
  assert.equal(readChain(base)?.pairingSalt, defaultPairingSalt(TEST_CHAIN));
  const own = "5a".repeat(32);
  const c = new MemoryChain({
    chainId: TEST_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [{ id: "regulator", role: "regulator", name: "R", key: reg.keyId }],
    pairingSalt: own,
  });
  assert.equal(readChain(c)?.pairingSalt, own);
  const genesis = {
    chainId: TEST_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [{ id: "regulator", role: "regulator", name: "R", key: reg.keyId }],
  };
  assert.equal(parseGenesis({ ...genesis, pairingSalt: own }).pairingSalt, own);
  for (const pairingSalt of ["zz", "5A".repeat(32), "5a".repeat(16), 7]) {
    assert.throws(
      () => parseGenesis({ ...genesis, pairingSalt }),
      (e) => isError(e, "GENESIS_INVALID"),
      String(pairingSalt),
    );
  }
});
