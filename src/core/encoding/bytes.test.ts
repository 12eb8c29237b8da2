import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compareBytes, concatBytes, fromBase64Url, fromHex, toBase64Url, toHex } from "./bytes.js";

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
