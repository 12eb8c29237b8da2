import * as assert from "node:assert/strict";
import { test } from "node:test";
import { monthMemo } from "./month-memo.js";
import { monthOf } from "./usage-month.js";

test("monthMemo answers monthOf across month and year edges, in any order", () => {
  const memo = monthMemo();
  const edges = [
    Date.UTC(2025, 0, 31, 23, 59, 59, 999),
    Date.UTC(2025, 1, 1),
    Date.UTC(2024, 11, 31, 23, 59, 59, 999),
    Date.UTC(2025, 0, 1),
    Date.UTC(2024, 1, 29, 12),
    Date.UTC(2025, 1, 1) + 1,
    0,
  ];
  for (const t of [...edges, ...edges.reverse()]) assert.equal(memo(t), monthOf(t), String(t));
});
