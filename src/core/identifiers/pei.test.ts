import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { ErrorCode } from "../errors/catalogue.js";
import { isError } from "../errors/devicechain-error.js";
import { parsePei } from "./pei.js";

// PEI forms from 3GPP TS 29.571 §5.3.2 (type Pei); the IMEI is the TS 23.003 annex B example.

test("imei-<15 digits> resolves to the TAC+SNR key without checking the 15th digit", () => {
  const expected = {
    kind: "imei",
    key: "imei:49015420323751",
    display: "490154203237518",
    tac: "49015420",
  };
  assert.deepEqual(parsePei("imei-490154203237518"), expected);
  // AMFs send a spare 0 in place of the check digit (TS 24.501 §9.11.3.4).
  assert.deepEqual(parsePei("imei-490154203237510"), expected);
});

test("imeisv-<16 digits> resolves to the same key and keeps the SVN", () => {
  assert.deepEqual(parsePei("imeisv-4901542032375101"), {
    kind: "imei",
    key: "imei:49015420323751",
    display: "490154203237518",
    tac: "49015420",
    svn: "01",
  });
});

test("mac- takes six hex groups in any case, optionally marked -untrusted", () => {
  const mac = { kind: "mac", key: "mac:AABBCCDDEEFF", display: "AA-BB-CC-DD-EE-FF" };
  assert.deepEqual(parsePei("mac-AA-BB-CC-DD-EE-FF"), mac);
  assert.deepEqual(parsePei("mac-aa-bb-cc-dd-ee-ff"), mac);
  assert.deepEqual(parsePei("mac-AA-BB-CC-DD-EE-FF-untrusted"), { ...mac, untrusted: true });
});

test("eui- takes eight hex groups in any case", () => {
  assert.deepEqual(parsePei("eui-00-13-a2-00-41-A7-B3-C4"), {
    kind: "eui64",
    key: "eui64:0013A20041A7B3C4",
    display: "00-13-A2-00-41-A7-B3-C4",
  });
});

test("a right prefix with a wrong body gets the identifier's own code", () => {
  const cases: [string, ErrorCode][] = [
    ["imei-49015420323751", "IMEI_BAD_FORMAT"],
    ["imei-4901542032375101", "IMEI_BAD_FORMAT"],
    ["imeisv-490154203237518", "IMEI_BAD_FORMAT"],
    ["mac-AA:BB:CC:DD:EE:FF", "MAC_BAD_FORMAT"],
    ["mac-AABBCCDDEEFF", "MAC_BAD_FORMAT"],
    ["mac-AA-BB-CC-DD-EE-FF-trusted", "MAC_BAD_FORMAT"],
    ["mac-untrusted", "MAC_BAD_FORMAT"],
    ["eui-0013A20041A7B3C4", "EUI64_BAD_FORMAT"],
    ["eui-00-13-A2-00-41-A7-B3", "EUI64_BAD_FORMAT"],
  ];
  for (const [pei, code] of cases) {
    assert.throws(
      () => parsePei(pei),
      (e) => isError(e, code),
      pei,
    );
  }
});

test("anything else is not a PEI", () => {
  for (const bad of [
    "",
    "490154203237518",
    "IMEI-490154203237518",
    "imsi-001010000000001",
    "eui64-00",
  ]) {
    assert.throws(
      () => parsePei(bad),
      (e) => isError(e, "PEI_BAD_FORMAT"),
      bad,
    );
  }
});
