import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { utf8 } from "../../core/encoding/bytes.js";
import {
  BUCKETS,
  BucketTree,
  bucketHash,
  bucketOf,
  keyHashOf,
  nodeHash,
  sha256,
} from "./bucket-tree.js";

const leaf = (key: string, value: string) => ({
  keyHash: keyHashOf(key),
  valueHash: sha256(utf8(value)),
});

test("an empty tree's root is all zeros", () => {
  assert.deepEqual(new BucketTree().root(), new Uint8Array(32));
});

test("the root does not depend on the order buckets are updated in", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: BUCKETS - 1 }), { minLength: 1, maxLength: 30 }),
      (buckets) => {
        const hashes = buckets.map((b) => [b, sha256(utf8(`bucket ${b}`))] as const);
        const one = new BucketTree();
        one.apply(one.stage(new Map(hashes)));
        const two = new BucketTree();
        for (const [b, h] of [...hashes].reverse()) two.apply(two.stage(new Map([[b, h]])));
        assert.deepEqual(one.root(), two.root());
      },
    ),
    { numRuns: 30 },
  );
});

test("bucket hashes do not depend on leaf order, and differ for different values", () => {
  const a = leaf("device/imei:1", "x");
  const b = leaf("device/imei:2", "y");
  assert.deepEqual(bucketHash([a, b]), bucketHash([b, a]));
  assert.notDeepEqual(bucketHash([a]), bucketHash([leaf("device/imei:1", "z")]));
});

test("staging leaves the committed root alone until apply", () => {
  const t = new BucketTree();
  const before = t.root();
  const staged = t.stage(new Map([[5, sha256(utf8("five"))]]));
  assert.deepEqual(t.root(), before);
  const stagedRoot = t.stagedRoot(staged);
  t.apply(staged);
  assert.deepEqual(t.root(), stagedRoot);
  assert.notDeepEqual(stagedRoot, before);
});

test("a bucket's sibling path recomputes the root: the basis of inclusion proofs", () => {
  const t = new BucketTree();
  const key = "device/imei:49015420323751";
  const b = bucketOf(keyHashOf(key));
  const h = bucketHash([leaf(key, '{"id":"imei:49015420323751"}')]);
  t.apply(
    t.stage(
      new Map([
        [b, h],
        [(b + 1) % BUCKETS, sha256(utf8("neighbour"))],
      ]),
    ),
  );
  let acc = h;
  let index = BUCKETS + b;
  for (const sibling of t.path(b)) {
    acc = index % 2 === 0 ? nodeHash(acc, sibling) : nodeHash(sibling, acc);
    index >>>= 1;
  }
  assert.deepEqual(acc, t.root());
  assert.equal(t.path(b).length, 20);
});
