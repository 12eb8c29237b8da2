/**
 * `devicechain verify` as a user runs it, on the real CometBFT bundle of tests/fixtures/cometbft/:
 * exit 0 with what it proved and a checkpoint written; exit 1 with the refusal's code otherwise.
 * The fixture's genesis ages with the calendar, so these runs pass a long --trusting-period.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { cli } from "../../../tests/support/cli-process.js";
import { cometBundleFixture, genesisFixture } from "../../../tests/support/comet-fixtures.js";
import { parseDuration } from "./verify-command.js";

const dir = mkdtempSync(path.join(tmpdir(), "dc-verify-cli-"));
const file = (name: string, value: unknown): string => {
  const p = path.join(dir, name);
  writeFileSync(p, JSON.stringify(value));
  return p;
};
const bundle = file("bundle.json", cometBundleFixture());
const genesis = file("genesis.json", genesisFixture());

test("verify prints what the bundle proves and saves a checkpoint that verifies it again", async () => {
  const checkpoint = path.join(dir, "checkpoint.json");
  const r = await cli([
    "verify",
    bundle,
    "--trust",
    genesis,
    "--trusting-period",
    "36500d",
    "--checkpoint-out",
    checkpoint,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /member\/operator-1 = \{/);
  assert.match(r.stdout, /device\/never-registered = absent/);
  const saved = JSON.parse(readFileSync(checkpoint, "utf8")) as { height: number };
  assert.equal(saved.height, cometBundleFixture().height + 1);
  const again = await cli([
    "verify",
    bundle,
    "--trust",
    checkpoint,
    "--trusting-period",
    "36500d",
    "--json",
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(
    (JSON.parse(again.stdout) as { height: number }).height,
    cometBundleFixture().height,
  );
});

test("a tampered bundle or an expired trust exits 1 with the code", async () => {
  const b = cometBundleFixture() as unknown as { entries: { value: unknown }[] };
  b.entries[0]!.value = { id: "operator-1", tampered: true };
  const tampered = file("tampered.json", b);
  const r = await cli([
    "verify",
    tampered,
    "--trust",
    genesis,
    "--trusting-period",
    "36500d",
    "--json",
  ]);
  assert.equal(r.code, 1);
  assert.equal(
    (JSON.parse(r.stderr) as { error: { code: string } }).error.code,
    "PROOF_VALUE_MISMATCH",
  );
  const old = file("old.json", { ...genesisFixture(), genesisTime: "2000-01-01T00:00:00Z" });
  const expired = await cli(["verify", bundle, "--trust", old]);
  assert.equal(expired.code, 1);
  assert.match(expired.stderr, /^error PROOF_TRUST_EXPIRED: /);
});

test("--trusting-period takes ms, s, m, h and d", () => {
  assert.equal(parseDuration("14d"), 14 * 86_400_000);
  assert.equal(parseDuration("36h"), 36 * 3_600_000);
  assert.equal(parseDuration("500ms"), 500);
  for (const bad of ["", "14", "0d", "-1d", "1.5h", "2w"]) assert.throws(() => parseDuration(bad));
});
