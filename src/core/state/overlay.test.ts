/** Overlays: how a transaction's writes stay separate until it succeeds. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Json } from "../encoding/canonical-json.js";
import { Overlay } from "./overlay.js";

const base = (entries: [string, Json][]) => {
  const m = new Map(entries);
  return { get: (k: string) => m.get(k) };
};

test("reads fall through to the parent; puts and deletes shadow it without touching it", () => {
  const parent = new Map<string, Json>([
    ["a", 1],
    ["b", 2],
  ]);
  const o = new Overlay({ get: (k) => parent.get(k) });
  o.put("a", 10);
  o.delete("b");
  o.put("c", 3);
  assert.equal(o.get("a"), 10);
  assert.equal(o.get("b"), undefined);
  assert.equal(o.get("c"), 3);
  assert.equal(o.get("d"), undefined);
  assert.deepEqual(
    parent,
    new Map([
      ["a", 1],
      ["b", 2],
    ]),
  );
  assert.deepEqual(
    o.writes,
    new Map<string, Json | null>([
      ["a", 10],
      ["b", null],
      ["c", 3],
    ]),
  );
  o.put("b", 20);
  assert.equal(o.get("b"), 20, "a put after a delete revives the key");
});

test("a nested overlay is invisible to its parent until merged; a discarded one leaves nothing", () => {
  const block = new Overlay(base([["k", "v0"]]));
  const failed = new Overlay(block);
  failed.put("k", "lost");
  failed.delete("other");
  assert.equal(block.get("k"), "v0");
  assert.equal(block.writes.size, 0);

  const ok = new Overlay(block);
  ok.put("k", "v1");
  ok.delete("gone");
  ok.mergeInto(block);
  assert.equal(block.get("k"), "v1");
  assert.deepEqual(
    block.writes,
    new Map<string, Json | null>([
      ["k", "v1"],
      ["gone", null],
    ]),
  );
  const after = new Overlay(block);
  assert.equal(after.get("k"), "v1", "a later transaction sees an earlier one's writes");
});

test("reading through any stack of overlays equals applying their writes in order", () => {
  const op = fc.tuple(
    fc.constantFrom("a", "b", "c", "d"),
    fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }),
  );
  fc.assert(
    fc.property(fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 5 }), (layers) => {
      const model = new Map<string, Json>([["a", 100]]);
      let top = new Overlay(base([["a", 100]]));
      for (const layer of layers) {
        const next = new Overlay(top);
        for (const [k, v] of layer) {
          if (v === null) {
            next.delete(k);
            model.delete(k);
          } else {
            next.put(k, v);
            model.set(k, v);
          }
        }
        top = next;
      }
      for (const k of ["a", "b", "c", "d"]) assert.equal(top.get(k), model.get(k), k);
    }),
    { numRuns: 200 },
  );
});
