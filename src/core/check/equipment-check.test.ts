import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { EquipmentStatus } from "../state/equipment-status.js";
import { pairingHash } from "../state/pairing.js";
import {
  type EquipmentAnswer,
  equipmentAnswer,
  type HeldPairings,
  type UnknownDevicePolicy,
} from "./equipment-check.js";

const SALT = new Uint8Array(32).fill(7);
const DEVICE = "imei:49015420323751";
const GENUINE = "imsi-001010000000001";
const pairings: HeldPairings = {
  deviceId: DEVICE,
  hashes: new Set([pairingHash(SALT, DEVICE, GENUINE)]),
  salt: SALT,
};

const pick = (a: EquipmentAnswer) => [a.status, a.reason, a.admitted];

test("without a subscriber, or without pairings, a device answers its own status", () => {
  for (const status of ["WHITELISTED", "GREYLISTED", "BLACKLISTED"] as const) {
    for (const [held, subscriber] of [
      [undefined, undefined],
      [undefined, GENUINE],
      [pairings, undefined],
    ] as const) {
      const a = equipmentAnswer(status, held, subscriber, "reject");
      assert.deepEqual(pick(a), [status, "device_status", status !== "BLACKLISTED"]);
      assert.equal(a.known, true);
      assert.equal(a.refusal, undefined);
    }
  }
});

test("with pairings: a paired subscriber passes, others are refused, blacklisting wins", () => {
  // One subscriber as a SUPI, a bare IMSI and an EAP-SIM identity (TS 23.003 §14.3) is one.
  const forms = [GENUINE, "001010000000001", "1001010000000001@wlan.mnc001.mcc001.3gppnetwork.org"];
  const cases: readonly (readonly [EquipmentStatus, string, EquipmentStatus, string])[] = [
    ...forms.map((f) => ["WHITELISTED", f, "WHITELISTED", "paired"] as const),
    ["GREYLISTED", GENUINE, "WHITELISTED", "paired"],
    ["WHITELISTED", "imsi-001010000000002", "BLACKLISTED", "not_paired"],
    ["GREYLISTED", "imsi-001010000000002", "BLACKLISTED", "not_paired"],
    // No canonical form: paired with nothing.
    ["WHITELISTED", "\u0000", "BLACKLISTED", "not_paired"],
    ["BLACKLISTED", GENUINE, "BLACKLISTED", "device_status"],
    ["BLACKLISTED", "imsi-001010000000002", "BLACKLISTED", "device_status"],
  ];
  for (const [status, subscriber, expected, reason] of cases) {
    const a = equipmentAnswer(status, pairings, subscriber, "reject");
    assert.deepEqual(pick(a), [expected, reason, expected !== "BLACKLISTED"], subscriber);
  }
});

test("an unknown device gets what the policy says; only reject is a coded refusal", () => {
  const cases: readonly (readonly [UnknownDevicePolicy, EquipmentStatus | undefined, boolean])[] = [
    ["reject", undefined, false],
    ["accept", undefined, true],
    ["WHITELISTED", "WHITELISTED", true],
    ["GREYLISTED", "GREYLISTED", true],
  ];
  for (const [policy, status, admitted] of cases) {
    const a = equipmentAnswer(undefined, undefined, GENUINE, policy);
    assert.deepEqual(pick(a), [status, "unknown_device", admitted], policy);
    assert.equal(a.known, false);
    assert.equal(a.refusal, policy === "reject" ? "DEVICE_UNKNOWN" : undefined);
  }
});
