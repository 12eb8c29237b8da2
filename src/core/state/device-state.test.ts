/** A device's state from its record, and its EIR answer (docs/PROTOCOL.md, "Device states"). */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { Device, Mark } from "./device.js";
import { DEVICE_STATES, deviceState } from "./device-state.js";
import { equipmentStatus } from "./equipment-status.js";
import { keyFingerprint } from "./fingerprint.js";

const device = (over: Partial<Device> = {}): Device => ({
  id: "imei:35000000000001",
  ids: ["imei:35000000000001"],
  manufacturer: "mfr",
  marks: [],
  history: [],
  ...over,
});
const mark = (kind: Mark["kind"]): Mark => ({
  kind,
  by: "police",
  role: "law_enforcement",
  height: 1,
});
const block = { by: "regulator", reason: "fraud" as const, height: 2 };
const suspicion = { by: "op", rule: "r", evidence: "0".repeat(64), height: 3 };
const pairing = { hash: "1".repeat(64), by: "regulator", height: 4 };

test("each state follows from the record, the most severe fact winning", () => {
  const cases: [Partial<Device>, string][] = [
    [{}, "registered"],
    [{ owner: "k" }, "active"],
    [{ owner: "k", recovered: true }, "recovered"],
    [{ owner: "k", marks: [mark("lost")] }, "lost"],
    [{ owner: "k", marks: [mark("lost"), mark("stolen")] }, "stolen"],
    [{ marks: [mark("stolen")] }, "stolen"],
    [{ owner: "k", marks: [mark("stolen")], block }, "blocked"],
    [{ owner: "k", marks: [mark("stolen")], block, scrapped: true }, "scrapped"],
    [{ scrapped: true }, "scrapped"],
    [{ owner: "k", suspicions: [suspicion] }, "clone_suspected"],
    [{ owner: "k", suspicions: [suspicion], pairings: [pairing] }, "clone_suspected"],
    [{ owner: "k", pairings: [pairing] }, "active"],
    [{ owner: "k", marks: [mark("lost")], suspicions: [suspicion] }, "lost"],
    [{ marks: [mark("stolen")], suspicions: [suspicion] }, "stolen"],
    [{ block, suspicions: [suspicion] }, "blocked"],
  ];
  for (const [over, state] of cases)
    assert.equal(deviceState(device(over)), state, JSON.stringify(over));
});

test("the EIR answers docs/PROTOCOL.md's device-state table: clean states pass, clone suspects are greylisted, the rest blacklisted", () => {
  const expected = {
    registered: "WHITELISTED",
    active: "WHITELISTED",
    recovered: "WHITELISTED",
    clone_suspected: "GREYLISTED",
    lost: "BLACKLISTED",
    stolen: "BLACKLISTED",
    blocked: "BLACKLISTED",
    scrapped: "BLACKLISTED",
  } as const;
  for (const s of DEVICE_STATES) assert.equal(equipmentStatus(s), expected[s], s);
});

test("a key fingerprint is 16 hex digits, stable, and differs between keys", () => {
  const a = keyFingerprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(a, keyFingerprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"));
  assert.notEqual(a, keyFingerprint("PUAXw-hDiVqStwqnTRt-vJyYLM8uxJaMwM1V8Sr0Zgw"));
});
