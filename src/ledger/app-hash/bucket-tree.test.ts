import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { sha256 } from "../../core/crypto/hash.js";
import { utf8 } from "../../core/encoding/bytes.js";
import {
  BUCKETS,
  bucketHash,
  bucketOf,
  keyHashOf,
  nodeHash,
} from "../../core/proof/bucket-hash.js";
import { BucketTree } from "./bucket-tree.js";

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

/** The root by definition: a sparse recursive Merkle over the non-empty buckets. */
function modelRoot(buckets: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const zero = new Uint8Array(32);
  const sorted = [...buckets].filter(([, h]) => h.some((x) => x !== 0)).sort((a, b) => a[0] - b[0]);
  const node = (depth: number, first: number, items: [number, Uint8Array][]): Uint8Array => {
    if (items.length === 0) return zero;
    if (depth === 20) return items[0]![1];
    const half = first + 2 ** (19 - depth);
    return nodeHash(
      node(
        depth + 1,
        first,
        items.filter(([b]) => b < half),
      ),
      node(
        depth + 1,
        half,
        items.filter(([b]) => b >= half),
      ),
    );
  };
  return node(0, 0, sorted);
}

test("model check: any sequence of stage, apply and rollback gives the defined roots and paths", () => {
  const update = fc.uniqueArray(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: BUCKETS - 1 }), fc.integer({ min: 0, max: 40 })),
      fc.oneof(fc.constant(new Uint8Array(32)), fc.uint8Array({ minLength: 32, maxLength: 32 })),
    ),
    { selector: ([b]) => b, maxLength: 12 },
  );
  const op = fc.tuple(update, fc.constantFrom("apply", "rollback", "restage"));
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 8 }), (ops) => {
      const tree = new BucketTree();
      const committed = new Map<number, Uint8Array>();
      for (const [changes, then] of ops) {
        const staged = tree.stage(new Map(changes));
        const next = new Map(committed);
        for (const [b, h] of changes) next.set(b, h);
        assert.deepEqual(tree.stagedRoot(staged), modelRoot(next));
        assert.deepEqual(tree.root(), modelRoot(committed), "staging leaves the root alone");
        // Proofs served while a block is pending prove the committed tree.
        for (const [b] of changes.slice(0, 2)) {
          let acc = committed.get(b) ?? new Uint8Array(32);
          let index = BUCKETS + b;
          for (const sibling of tree.path(b)) {
            acc = index % 2 === 0 ? nodeHash(acc, sibling) : nodeHash(sibling, acc);
            index >>>= 1;
          }
          assert.deepEqual(acc, modelRoot(committed));
        }
        if (then === "apply") {
          tree.apply(staged);
          for (const [b, h] of changes) committed.set(b, h);
        } else if (then === "rollback") {
          tree.rollback();
        }
        // "restage": the next stage replaces this one, as a new consensus round would.
        if (then !== "restage") assert.deepEqual(tree.root(), modelRoot(committed));
      }
    }),
    { numRuns: 60 },
  );
});

test("only the pending stage can be applied", () => {
  const t = new BucketTree();
  const old = t.stage(new Map([[1, sha256(utf8("one"))]]));
  const current = t.stage(new Map([[2, sha256(utf8("two"))]]));
  assert.throws(() => t.apply(old));
  t.apply(current);
  assert.throws(() => t.apply(current), "twice");
  assert.deepEqual(t.root(), modelRoot(new Map([[2, sha256(utf8("two"))]])));
});
