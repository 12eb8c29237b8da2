import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { HeldPairings } from "../core/check/equipment-check.js";
import { parseIdentifier } from "../core/identifiers/identifier.js";
import type { EquipmentStatus } from "../core/state/equipment-status.js";
import { pairingHash } from "../core/state/pairing.js";
import type { CheckObservation } from "./check-observation.js";
import { LedgerEquipmentCheck } from "./ledger-equipment-check.js";

const SALT = new Uint8Array(32);
const STOLEN = parseIdentifier("imei-490154203237518", "network");
const PAIRED = parseIdentifier("mac-02-00-5E-10-00-07", "network");
const UNKNOWN = parseIdentifier("imei-356938035643809", "network");
const GENUINE = "imsi-001010000000001";

function fixture() {
  const statuses = new Map<string, EquipmentStatus>([
    [STOLEN.key, "BLACKLISTED"],
    [PAIRED.key, "GREYLISTED"],
  ]);
  const held: HeldPairings = {
    deviceId: PAIRED.key,
    hashes: new Set([pairingHash(SALT, PAIRED.key, GENUINE)]),
    salt: SALT,
  };
  const pairingReads: string[] = [];
  const observations: CheckObservation[] = [];
  const check = new LedgerEquipmentCheck({
    reads: {
      status: (key) => statuses.get(key),
      pairings: (key) => {
        pairingReads.push(key);
        return key === PAIRED.key ? held : undefined;
      },
    },
    unknownDevice: { "n5g-eir": "GREYLISTED", s13: "reject", radius: "accept", rlm_rest: "reject" },
    observe: (o) => observations.push(o),
  });
  return { check, observations, pairingReads };
}

test("each protocol gets its own unknown-device policy, and each check leaves one observation", () => {
  const { check, observations } = fixture();
  const ask = (protocol: CheckObservation["protocol"]) =>
    check.check({
      identifier: UNKNOWN,
      subscriber: undefined,
      protocol,
      network: "net",
      authenticated: true,
    });
  assert.equal(ask("n5g-eir").status, "GREYLISTED");
  assert.equal(ask("s13").refusal, "DEVICE_UNKNOWN");
  assert.deepEqual([ask("radius").admitted, ask("rlm_rest").admitted], [true, false]);
  assert.deepEqual(
    observations.map((o) => [o.protocol, o.answer]),
    [
      ["n5g-eir", "GREYLISTED"],
      ["s13", "UNKNOWN"],
      ["radius", "UNKNOWN"],
      ["rlm_rest", "UNKNOWN"],
    ],
  );
  assert.ok(observations.every((o) => o.identifier === UNKNOWN.key && o.network === "net"));
});

test("a subscriber is answered per pairing; pairings are read only for a check that has one", () => {
  const { check, observations, pairingReads } = fixture();
  const ask = (subscriber: string | undefined) =>
    check.check({
      identifier: PAIRED,
      subscriber,
      protocol: "radius",
      network: "nas-1",
      authenticated: false,
    });
  assert.equal(ask(undefined).status, "GREYLISTED");
  assert.deepEqual(pairingReads, []);
  assert.equal(ask(GENUINE).reason, "paired");
  assert.equal(ask("imsi-001010000000002").status, "BLACKLISTED");
  assert.deepEqual(
    observations.map((o) => [o.subscriber, o.answer, o.authenticated]),
    [
      [undefined, "GREYLISTED", false],
      [GENUINE, "WHITELISTED", false],
      ["imsi-001010000000002", "BLACKLISTED", false],
    ],
  );
});

test("a recheck answers again and records nothing", () => {
  const { check, observations } = fixture();
  assert.equal(check.recheck(STOLEN.key, GENUINE, "radius").status, "BLACKLISTED");
  assert.equal(observations.length, 0);
});
