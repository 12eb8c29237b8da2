import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { isError } from "../../core/errors/devicechain-error.js";
import { accessSettingsProblem, DEFAULT_ACCESS } from "../../servers/access/access-plans.js";
import { loadNodeConfig } from "../node-config.js";

const withPlan = (terms: unknown) => ({
  publicTier: { ratePerMinute: 5 },
  plans: { p: { currency: "EUR", scopes: { check: terms } } },
});

test("the defaults are valid; money and rates are bounded integers", () => {
  assert.equal(accessSettingsProblem(DEFAULT_ACCESS), undefined);
  assert.equal(
    accessSettingsProblem(withPlan({ ratePerMinute: 1, monthlyQuota: 1, price: 0 })),
    undefined,
  );
  for (const bad of [
    withPlan({ ratePerMinute: 1, monthlyQuota: 1, price: 0.5 }),
    withPlan({ ratePerMinute: 0, monthlyQuota: 1, price: 1 }),
    withPlan({ ratePerMinute: 1, monthlyQuota: 1 }),
    withPlan({ ratePerMinute: 1, monthlyQuota: 1, price: 1, extra: 1 }),
    { ...withPlan({ ratePerMinute: 1, monthlyQuota: 1, price: 1 }), publicTier: {} },
    { publicTier: { ratePerMinute: 5 }, plans: { p: { currency: "euro", scopes: {} } } },
    { publicTier: { ratePerMinute: 5 }, plans: { p: { currency: "EUR", scopes: { gold: {} } } } },
    { publicTier: { ratePerMinute: 5 }, plans: { "Bad Name": { currency: "EUR", scopes: {} } } },
  ]) {
    assert.notEqual(accessSettingsProblem(bad), undefined, JSON.stringify(bad));
  }
});

test("config.json's access section is checked at load, CONFIG_INVALID naming the field", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-access-config-"));
  try {
    writeFileSync(
      path.join(dir, "config.json"),
      JSON.stringify({ access: withPlan({ ratePerMinute: 1, monthlyQuota: 1, price: 1.5 }) }),
    );
    assert.throws(
      () => loadNodeConfig(dir),
      (e) =>
        isError(e, "CONFIG_INVALID") && e.message.includes("access.plans.p.scopes.check.price"),
    );
    const good = withPlan({ ratePerMinute: 3, monthlyQuota: 9, price: 2 });
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({ access: good }));
    assert.deepEqual(loadNodeConfig(dir).access, good);
    rmSync(path.join(dir, "config.json"));
    assert.deepEqual(loadNodeConfig(dir).access, DEFAULT_ACCESS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
