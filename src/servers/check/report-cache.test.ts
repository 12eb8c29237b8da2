import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { CheckReport } from "../../core/check/check-report.js";
import { ReportCache } from "./report-cache.js";

const report = (id: string) => ({ id }) as CheckReport;

test("a report is served only at its own height, and the cache stays bounded", () => {
  const c = new ReportCache(2);
  c.set(5, "a", report("a5"));
  assert.equal(c.get(5, "a")?.id, "a5");
  assert.equal(c.get(6, "a"), undefined);
  // A report of an older height (a slow build finishing late) never replaces newer ones.
  c.set(6, "b", report("b6"));
  c.set(5, "a", report("a5"));
  assert.equal(c.get(5, "a"), undefined);
  assert.equal(c.get(6, "b")?.id, "b6");
  c.set(6, "c", report("c6"));
  c.set(6, "d", report("d6"));
  assert.equal(c.get(6, "b"), undefined, "full: emptied before the next");
  assert.equal(c.get(6, "d")?.id, "d6");
});
