import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../errors/devicechain-error.js";
import { luhnCheckDigit } from "./luhn.js";

test("Luhn check digit matches the TS 23.003 annex B example", () => {
  // 3GPP TS 23.003 annex B: TAC 49015420, SNR 323751 → check digit 8.
  assert.equal(luhnCheckDigit("49015420323751"), 8);
});

test("Luhn check digit matches a second published IMEI", () => {
  // 356938035643809 is the IMEI widely used as a Luhn example (e.g. Wikipedia "IMEI").
  assert.equal(luhnCheckDigit("35693803564380"), 9);
});

test("Luhn check digit is 0 when the weighted sum is a multiple of ten", () => {
  assert.equal(luhnCheckDigit("00000000000000"), 0);
});

test("Luhn check digit is only computed over exactly 14 ASCII digits", () => {
  for (const bad of [
    "",
    "4901542032375",
    "490154203237518",
    "4901542032375a",
    "４９015420323751",
  ]) {
    assert.throws(
      () => luhnCheckDigit(bad),
      (e) => isError(e, "IMEI_BAD_FORMAT"),
    );
  }
});
