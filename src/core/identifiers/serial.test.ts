import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../errors/devicechain-error.js";
import { parseSerial } from "./serial.js";

test("a serial is trimmed, upper-cased and namespaced by its manufacturer", () => {
  assert.deepEqual(parseSerial("acme-phones", "  sn-12/ab.c_9 "), {
    kind: "serial",
    key: "serial:acme-phones:SN-12/AB.C_9",
    display: "SN-12/AB.C_9",
  });
});

test("the same serial from two manufacturers gives two keys", () => {
  assert.notEqual(parseSerial("acme", "X1").key, parseSerial("globex", "X1").key);
});

test("serials outside 1-64 characters of A-Z 0-9 . _ / - are refused", () => {
  for (const bad of ["", "   ", "a".repeat(65), "SN 12", "SN:12", "SN#1", "é1", "ı1", "ſ1"]) {
    assert.throws(
      () => parseSerial("acme", bad),
      (e) => isError(e, "SERIAL_BAD_FORMAT"),
      bad,
    );
  }
  assert.equal(parseSerial("acme", "a".repeat(64)).display, "A".repeat(64));
});

test("manufacturer ids are lower-case member ids", () => {
  for (const bad of ["", "a", "Acme", "-acme", "acme_co", "a".repeat(64)]) {
    assert.throws(
      () => parseSerial(bad, "X1"),
      (e) => isError(e, "SERIAL_BAD_FORMAT"),
      bad,
    );
  }
  assert.equal(parseSerial("a".repeat(63), "X1").key, `serial:${"a".repeat(63)}:X1`);
});
