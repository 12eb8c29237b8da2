import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  compareBytes,
  concatBytes,
  equalBytes,
  fromBase64Url,
  fromHex,
  fromUtf8,
  toBase64Url,
  toHex,
  utf8,
} from "./bytes.js";

test("hex and base64url round-trip any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      assert.deepEqual(fromHex(toHex(b)), b);
      assert.deepEqual(fromBase64Url(toBase64Url(b)), b);
      assert.doesNotMatch(toBase64Url(b), /[=+/]/);
    }),
  );
});

test("malformed hex and base64url are refused, not half-decoded", () => {
  for (const bad of ["0", "zz", "0g", " 00"]) assert.equal(fromHex(bad), undefined, bad);
  for (const bad of ["a", "ab+c", "ab/c", "abc=", "a b"])
    assert.equal(fromBase64Url(bad), undefined, bad);
});

test("concat and compare", () => {
  assert.deepEqual(concatBytes(Uint8Array.of(1), Uint8Array.of(2, 3)), Uint8Array.of(1, 2, 3));
  assert.ok(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)) < 0);
  assert.ok(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1)) > 0);
  assert.equal(compareBytes(Uint8Array.of(7), Uint8Array.of(7)), 0);
});

test("UTF-8 decoding is strict: overlong forms, encoded surrogates and truncation throw", () => {
  for (const bad of [
    [0xc0, 0xaf], // overlong "/"
    [0xed, 0xa0, 0x80], // U+D800 encoded
    [0xe2, 0x82], // truncated "€"
    [0xff],
  ]) {
    assert.throws(() => fromUtf8(Uint8Array.from(bad)), TypeError, bad.join(","));
  }
  assert.equal(fromUtf8(utf8("€ 😀")), "€ 😀");
});

test("hex is written lowercase and read in either case; equalBytes compares contents", () => {
  assert.equal(toHex(Uint8Array.of(0xab, 0x01)), "ab01");
  assert.deepEqual(fromHex("AB01"), Uint8Array.of(0xab, 0x01));
  assert.deepEqual(fromHex(""), new Uint8Array());
  assert.ok(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  assert.equal(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
  assert.equal(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0)), false);
  // A view into a larger buffer encodes only its own bytes.
  const view = Uint8Array.of(9, 1, 2, 9).subarray(1, 3);
  assert.equal(toHex(view), "0102");
  assert.equal(toBase64Url(view), "AQI");
});
