import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import { detectClone, mccOf } from "./clone-rules.js";
import type { Observation } from "./observation-log.js";

const MIN = 60_000;
const obs = (minute: number, subscriberHash: string, network = "sbi:10.0.0.1"): Observation => ({
  identifier: "imei:49015420323751",
  subscriberHash,
  network,
  protocol: "s13",
  time: minute * MIN,
  answer: "WHITELISTED",
  authenticated: true,
});
const DE = "epc.mnc001.mcc262.3gppnetwork.org";
const FR = "epc.mnc010.mcc208.3gppnetwork.org";

describe("clone detection rules", () => {
  test("one subscriber, or a single SIM swap, is not a clone", () => {
    assert.equal(detectClone([obs(0, "a"), obs(1, "a"), obs(2, "a")]), undefined);
    assert.equal(detectClone([obs(0, "a"), obs(1, "b"), obs(2, "b")]), undefined);
  });

  test("subscribers alternating A→B→A within 10 minutes fire alternating-subscribers", () => {
    const f = detectClone([obs(0, "a"), obs(3, "b"), obs(6, "a")]);
    assert.equal(f?.rule, "alternating-subscribers");
    assert.equal(f?.evidence.length, 3);
    // Spread over more than the window it is a user swapping SIMs back, not a clone.
    assert.equal(detectClone([obs(0, "a"), obs(30, "b"), obs(60, "a")]), undefined);
  });

  test("two countries within an hour fire impossible-travel; hours apart do not", () => {
    assert.equal(detectClone([obs(0, "a", DE), obs(20, "a", FR)])?.rule, "impossible-travel");
    assert.equal(detectClone([obs(0, "a", DE), obs(120, "a", FR)]), undefined);
    assert.equal(detectClone([obs(0, "a", DE), obs(5, "a", DE)]), undefined);
  });

  test("the MCC comes from a 3GPP realm only", () => {
    assert.equal(mccOf(DE), "262");
    assert.equal(mccOf("sbi:127.0.0.1"), undefined);
    assert.equal(mccOf("mcc262.example.org"), undefined);
  });
});
