import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { ErrorCode } from "../errors/catalogue.js";
import { isError } from "../errors/devicechain-error.js";
import { type DeviceIdentifier, isIdentifierKey, parseIdentifier } from "./identifier.js";

// 3GPP TS 23.003 annex B: TAC 49015420, SNR 323751, check digit 8.
const IMEI_KEY = "imei:49015420323751";
// GSMA SGP.29 example EID.
const GSMA_EID = "89049032123451234512345678901235";

const keyOf = (s: string, origin: "person" | "network" = "person") =>
  parseIdentifier(s, origin).key;
const refuses = (s: string, code: ErrorCode, origin: "person" | "network" = "person") =>
  assert.throws(
    () => parseIdentifier(s, origin),
    (e) => isError(e, code),
    JSON.stringify(s),
  );

test("every form of one device's IMEI resolves to one registry key", () => {
  for (const s of [
    "49015420323751",
    "490154203237518",
    "4901542032375101", // IMEISV, SVN 01
    "imei:49015420323751",
    "imei:490154203237518",
    "IMEI:490154203237518",
    "imeisv:4901542032375101",
    "imei-490154203237518", // TS 29.571 PEI
    "imeisv-4901542032375101",
    "  490154203237518\n",
  ]) {
    assert.equal(keyOf(s), IMEI_KEY, s);
  }
});

test("the IMEI identifier carries the TAC, and the SVN when it came as an IMEISV", () => {
  assert.deepEqual(parseIdentifier("490154203237518", "person"), {
    kind: "imei",
    key: IMEI_KEY,
    display: "490154203237518",
    tac: "49015420",
  });
  assert.equal(parseIdentifier("4901542032375101", "person").svn, "01");
});

test("a person's 15-digit IMEI is check-digit verified; a network's is not", () => {
  refuses("490154203237517", "IMEI_BAD_CHECK_DIGIT");
  refuses("imei:490154203237517", "IMEI_BAD_CHECK_DIGIT");
  assert.equal(keyOf("490154203237510", "network"), IMEI_KEY);
  // A PEI is a network's word even when a person pastes it.
  assert.equal(keyOf("imei-490154203237510", "person"), IMEI_KEY);
});

test("MAC notations, the MAC key and the PEI mac form resolve to one key", () => {
  for (const s of [
    "aa:bb:cc:dd:ee:ff",
    "AA-BB-CC-DD-EE-FF",
    "aabb.ccdd.eeff",
    "AABBCCDDEEFF",
    "mac:AABBCCDDEEFF",
    "mac:aa:bb:cc:dd:ee:ff",
    "mac-AA-BB-CC-DD-EE-FF",
  ]) {
    assert.equal(keyOf(s), "mac:AABBCCDDEEFF", s);
  }
  assert.equal(parseIdentifier("mac-aa-bb-cc-dd-ee-ff-untrusted", "network").untrusted, true);
  assert.ok(!Object.hasOwn(parseIdentifier("aa:bb:cc:dd:ee:ff", "network"), "untrusted"));
});

test("12 bare decimal digits are a MAC, not an IMEI", () => {
  assert.equal(keyOf("001122334455"), "mac:001122334455");
});

test("EUI-64 forms resolve to one key; 16 bare hex digits need a letter to be an EUI-64", () => {
  for (const s of [
    "0013a20041a7b3c4",
    "00-13-A2-00-41-A7-B3-C4",
    "00:13:a2:00:41:a7:b3:c4",
    "eui64:0013A20041A7B3C4",
    "eui-00-13-A2-00-41-A7-B3-C4",
  ]) {
    assert.equal(keyOf(s), "eui64:0013A20041A7B3C4", s);
  }
  assert.equal(parseIdentifier("0013200041270304", "person").kind, "imei");
  assert.equal(keyOf("00-13-20-00-41-27-03-04"), "eui64:0013200041270304");
});

test("a 32-digit EID and its key resolve to one key", () => {
  assert.deepEqual(parseIdentifier(GSMA_EID, "person"), {
    kind: "eid",
    key: `eid:${GSMA_EID}`,
    display: GSMA_EID,
  });
  assert.equal(keyOf(`eid:${GSMA_EID}`), `eid:${GSMA_EID}`);
  refuses(`${GSMA_EID.slice(0, 31)}4`, "EID_BAD_CHECK_DIGITS");
});

test("a serial key is parseable and normalised", () => {
  assert.deepEqual(parseIdentifier("serial:acme:sn-0001", "person"), {
    kind: "serial",
    key: "serial:acme:SN-0001",
    display: "SN-0001",
  });
  refuses("serial:acme", "SERIAL_BAD_FORMAT");
  refuses("serial:ACME:SN1", "SERIAL_BAD_FORMAT");
});

test("the longest serial key still parses", () => {
  const key = `serial:${"m".repeat(63)}:${"S".repeat(64)}`;
  assert.equal(keyOf(key), key);
  refuses(`${key}S`, "IDENTIFIER_UNRECOGNISED");
});

test("malformed identifiers get the most specific code that fits", () => {
  const cases: [string, ErrorCode][] = [
    ["", "IDENTIFIER_UNRECOGNISED"],
    ["   ", "IDENTIFIER_UNRECOGNISED"],
    ["1".repeat(200), "IDENTIFIER_UNRECOGNISED"],
    ["hello", "IDENTIFIER_UNRECOGNISED"],
    ["12345", "IDENTIFIER_UNRECOGNISED"],
    ["aa:bb:cc:dd:ee", "IDENTIFIER_UNRECOGNISED"],
    ["imsi:001010000000001", "IDENTIFIER_UNRECOGNISED"],
    ["4901542032375", "IMEI_BAD_FORMAT"], // 13 digits: one short
    ["49015420323751011", "IMEI_BAD_FORMAT"], // 17 digits: one too many
    ["imei:4901542032375101", "IMEI_BAD_FORMAT"],
    ["imeisv:490154203237518", "IMEI_BAD_FORMAT"],
    ["imei-49015420323751", "IMEI_BAD_FORMAT"],
    ["aa:bb-cc:dd:ee:ff", "MAC_BAD_FORMAT"],
    ["aa:bb:cc.dd:ee:ff", "MAC_BAD_FORMAT"],
    ["mac:AABBCCDDEE", "MAC_BAD_FORMAT"],
    ["mac-AA-BB-CC-DD-EE", "MAC_BAD_FORMAT"],
    ["00-13-a2-00:41-a7-b3-c4", "EUI64_BAD_FORMAT"],
    ["eui64:0013", "EUI64_BAD_FORMAT"],
    ["eid:1234", "EID_BAD_CHECK_DIGITS"],
  ];
  for (const [s, code] of cases) refuses(s, code);
});

test("isIdentifierKey accepts canonical keys only", () => {
  for (const k of [
    IMEI_KEY,
    "mac:AABBCCDDEEFF",
    "eui64:0013A20041A7B3C4",
    `eid:${GSMA_EID}`,
    "serial:acme:SN-0001",
  ]) {
    assert.ok(isIdentifierKey(k), k);
  }
  for (const s of [
    "490154203237518",
    "imei:490154203237518",
    "IMEI:49015420323751",
    ` ${IMEI_KEY}`,
    "mac:aabbccddeeff",
    "mac:AA-BB-CC-DD-EE-FF",
    "AA-BB-CC-DD-EE-FF",
    "serial:acme:sn-0001",
    "imei-490154203237518",
    "",
    "nonsense",
  ]) {
    assert.ok(!isIdentifierKey(s), s);
  }
});

test("property: any identifier's display form parses back to its key", () => {
  const hex = (n: number) =>
    fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString("hex"));
  const digits = (n: number) =>
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(""));
  const inputs = fc.oneof(
    digits(14),
    digits(16),
    hex(6),
    hex(8).map((h) => `eui64:${h}`),
  );
  fc.assert(
    fc.property(inputs, (s) => {
      const id: DeviceIdentifier = parseIdentifier(s, "network");
      assert.equal(keyOf(id.display, "person"), id.key);
      assert.ok(isIdentifierKey(id.key));
    }),
  );
});
