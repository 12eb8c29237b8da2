import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { CheckObservation } from "../../servers/check-observation.js";
import { ObservationLog } from "./observation-log.js";

const check = (
  subscriber: string | undefined,
  network = "sbi:10.0.0.1",
  authenticated = true,
): CheckObservation => ({
  identifier: "imei:49015420323751",
  subscriber,
  network,
  protocol: "n5g-eir",
  answer: "WHITELISTED",
  authenticated,
});

test("repeats of the last sighting within a minute are recorded once; changes always are", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-obs-"));
  let now = 1_000_000;
  const log = new ObservationLog({
    dir,
    retentionMs: 86_400_000,
    recentWindowMs: 3_600_000,
    now: () => now,
  });
  try {
    assert.ok(log.record(check("imsi-001010000000001")));
    assert.equal(log.record(check("imsi-001010000000001")), undefined);
    // A→B→A stays a sequence of three: a return to an earlier subscriber is a change.
    assert.ok(log.record(check("imsi-001010000000002")));
    assert.ok(log.record(check("imsi-001010000000001")));
    assert.ok(log.record(check("imsi-001010000000001", "sbi:10.0.0.2")));
    now += 61_000;
    assert.ok(log.record(check("imsi-001010000000001", "sbi:10.0.0.2")));
    const recent = log.recentFor("imei:49015420323751");
    assert.equal(recent.length, 5);
    assert.ok(
      recent.every((o) => !JSON.stringify(o).includes("001010000000001")),
      "no raw IMSI",
    );
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("one subscriber seen as a SUPI, a bare IMSI and an EAP-SIM identity has one hash", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-obs-"));
  const log = new ObservationLog({ dir, retentionMs: 86_400_000, recentWindowMs: 3_600_000 });
  try {
    // TS 23.003 §14.3: "1" (EAP-SIM) + IMSI @ the WLAN realm of its home network.
    const forms = [
      "imsi-001010000000001",
      "001010000000001",
      "1001010000000001@wlan.mnc001.mcc001.3gppnetwork.org",
    ];
    assert.equal(new Set(forms.map((f) => log.subscriberHash(f))).size, 1);
    assert.equal(
      log.subscriberHash("alice@Example.ORG"),
      log.subscriberHash("nai-alice@example.org"),
    );
    assert.notEqual(log.subscriberHash("001010000000001"), log.subscriberHash("001010000000002"));
    // Without a canonical form it is still recorded, under a hash of what came.
    assert.match(log.subscriberHash("imsi-12"), /^[0-9a-f]{32}$/);
    assert.equal(log.subscriberHash(undefined), "");
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unauthenticated checks are recorded but never reach the rules' history or the listeners", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-obs-"));
  let now = 1_000_000;
  const log = new ObservationLog({
    dir,
    retentionMs: 86_400_000,
    recentWindowMs: 3_600_000,
    now: () => now,
  });
  const heard: unknown[] = [];
  log.onAuthenticatedObservation((o) => heard.push(o));
  try {
    assert.ok(log.record(check("imsi-001010000000001")));
    // An attacker's storm: alternating subscribers, more than the history holds.
    for (let i = 0; i < 100; i++) {
      now += 1;
      const o = log.record(check(`imsi-00101000000000${i % 2}`, "sbi:203.0.113.9", false));
      assert.equal(o?.authenticated, false);
    }
    // Its repeats are recorded once too.
    assert.equal(log.record(check("imsi-001010000000001", "sbi:203.0.113.9", false)), undefined);
    const recent = log.recentFor("imei:49015420323751");
    assert.equal(recent.length, 1, "the genuine sighting is all the rules see");
    assert.equal(recent[0]?.authenticated, true);
    assert.equal(heard.length, 1);
    // An authenticated sighting equal to an unauthenticated one is not taken for its repeat.
    assert.ok(log.record(check("imsi-001010000000001", "sbi:203.0.113.9")));
    assert.equal(heard.length, 2);
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
