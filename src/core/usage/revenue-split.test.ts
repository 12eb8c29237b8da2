import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { revenueShare, splitPrice, UNATTRIBUTED } from "./revenue-split.js";

test("a price splits evenly, the remainder one unit each to the lowest key ids", () => {
  assert.deepEqual(
    [...splitPrice(10, ["c", "a", "b"])],
    [
      ["a", 4],
      ["b", 3],
      ["c", 3],
    ],
  );
  assert.deepEqual(
    [...splitPrice(10, ["b", "a", "b"])],
    [
      ["a", 5],
      ["b", 5],
    ],
    "a repeat counts once",
  );
  assert.deepEqual([...splitPrice(7, [])], [[UNATTRIBUTED, 7]]);
  assert.deepEqual([...splitPrice(0, ["a"])], [["a", 0]]);
});

test("the shares of every call sum exactly to the billed total", () => {
  const call = fc.record({
    price: fc.integer({ min: 0, max: 1_000_000 }),
    currency: fc.constantFrom("EUR", "USD"),
    attribution: fc.array(fc.constantFrom("k1", "k2", "k3", "k4", "k5", "k6", "k7"), {
      maxLength: 7,
    }),
  });
  fc.assert(
    fc.property(fc.array(call, { maxLength: 50 }), (calls) => {
      for (const c of calls) {
        const shares = [...splitPrice(c.price, c.attribution).values()];
        assert.equal(
          shares.reduce((a, b) => a + b, 0),
          c.price,
        );
        assert.ok(Math.max(...shares) - Math.min(...shares) <= 1);
      }
      for (const currency of ["EUR", "USD"]) {
        const billed = calls
          .filter((c) => c.currency === currency)
          .reduce((a, c) => a + c.price, 0);
        const shared = revenueShare(calls)
          .filter((l) => l.currency === currency)
          .reduce((a, l) => a + l.amount, 0);
        assert.equal(shared, billed);
      }
    }),
  );
});
