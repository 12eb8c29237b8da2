import * as assert from "node:assert/strict";
import { test } from "node:test";
import { sha256 } from "../crypto/hash.js";
import { concatBytes, toHex, utf8 } from "../encoding/bytes.js";
import {
  BUCKET_TAG,
  BUCKETS,
  bucketHash,
  bucketOf,
  keyHashOf,
  leafOf,
  NODE_TAG,
  nodeHash,
  rootFromPath,
  valueHashOf,
  ZERO_HASH,
} from "./bucket-hash.js";

const leaf = (key: string, value: string) => leafOf(key, value);

test("the hashes as defined: SHA-256 of the key, of the canonical value, tagged buckets and nodes", () => {
  const key = "device/imei:49015420323751";
  assert.deepEqual(keyHashOf(key), sha256(utf8(key)));
  // The value hash is over RFC 8785 text: key order and spacing do not matter.
  assert.deepEqual(valueHashOf({ b: 1, a: [true, null] }), sha256(utf8('{"a":[true,null],"b":1}')));
  const l = leaf(key, '{"id":"imei:49015420323751"}');
  assert.deepEqual(
    bucketHash([l]),
    sha256(concatBytes(Uint8Array.of(BUCKET_TAG), l.keyHash, l.valueHash)),
  );
  const [x, y] = [sha256(utf8("x")), sha256(utf8("y"))];
  assert.deepEqual(nodeHash(x, y), sha256(concatBytes(Uint8Array.of(NODE_TAG), x, y)));
});

test("a bucket is the first 20 bits of the key hash", () => {
  const h = new Uint8Array(32);
  h.set([0xab, 0xcd, 0xef]);
  assert.equal(bucketOf(h), 0xabcde);
  h.set([0xff, 0xff, 0xff]);
  assert.equal(bucketOf(h), BUCKETS - 1);
});

test("bucket hashes do not depend on leaf order, and differ for different values", () => {
  const a = leaf("device/imei:1", "x");
  const b = leaf("device/imei:2", "y");
  assert.deepEqual(bucketHash([a, b]), bucketHash([b, a]));
  assert.notDeepEqual(bucketHash([a]), bucketHash([leaf("device/imei:1", "z")]));
});

test("empty buckets and subtrees hash to zero; anything else does not", () => {
  assert.deepEqual(bucketHash([]), ZERO_HASH);
  assert.deepEqual(nodeHash(ZERO_HASH, ZERO_HASH), ZERO_HASH);
  const h = sha256(utf8("h"));
  assert.notDeepEqual(nodeHash(h, ZERO_HASH), ZERO_HASH);
  assert.notDeepEqual(nodeHash(h, ZERO_HASH), nodeHash(ZERO_HASH, h), "position matters");
});

test("rootFromPath folds left or right by the bucket's position at each level", () => {
  const siblings = Array.from({ length: 20 }, (_, i) => sha256(utf8(`sibling ${i}`)));
  const start = sha256(utf8("bucket"));
  for (const bucket of [0, 1, 5, BUCKETS - 1, 0x5a5a5]) {
    let acc = start;
    for (let level = 0; level < 20; level++) {
      const right = ((bucket >>> level) & 1) === 1;
      acc = right ? nodeHash(siblings[level]!, acc) : nodeHash(acc, siblings[level]!);
    }
    assert.equal(toHex(rootFromPath(bucket, start, siblings)), toHex(acc), `bucket ${bucket}`);
  }
});
