/** SHA-256 against the FIPS 180-2 examples (Appendix B), and the streaming form against the one-shot. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { concatBytes, toHex, utf8 } from "../encoding/bytes.js";
import { sha256, sha256Parts } from "./hash.js";

test("FIPS 180-2 Appendix B.1 and B.2, and the empty message", () => {
  assert.equal(
    toHex(sha256(utf8("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(sha256(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(
    toHex(sha256(new Uint8Array())),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

test("hashing parts equals hashing their concatenation", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (parts) => {
      assert.deepEqual(sha256Parts(...parts), sha256(concatBytes(...parts)));
    }),
    { numRuns: 100 },
  );
});
