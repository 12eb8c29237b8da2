/** Subscriber normalisation: every interface's form of one subscriber maps to one canonical form. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../errors/devicechain-error.js";
import { normaliseSubscriber } from "./subscriber.js";

test("an IMSI seen as a SUPI, an S13 User-Name or an EAP permanent identity is one subscriber", () => {
  // TS 29.571 Supi "imsi-<digits>" (N5g-eir), TS 29.272 §7.3.1 User-Name = bare IMSI (S13), and
  // TS 23.003 §14.3 root NAIs: "0" EAP-AKA, "1" EAP-SIM, "6" EAP-AKA' + IMSI @ the WLAN realm.
  const forms = [
    "imsi-001010000000001",
    "001010000000001",
    "0001010000000001@wlan.mnc001.mcc001.3gppnetwork.org",
    "1001010000000001@wlan.mnc001.mcc001.3gppnetwork.org",
    "6001010000000001@WLAN.MNC001.MCC001.3GPPNETWORK.ORG",
  ];
  for (const f of forms) assert.equal(normaliseSubscriber(f), "imsi-001010000000001", f);
  // A shorter IMSI (MNC of two digits, short MSIN) is kept digit for digit.
  assert.equal(normaliseSubscriber("24001123456"), "imsi-24001123456");
  assert.notEqual(normaliseSubscriber("001010000000002"), normaliseSubscriber("001010000000001"));
});

test("NAIs and RADIUS user names: realm lowercased, user part kept, SUPI prefix optional", () => {
  assert.equal(normaliseSubscriber("nai-alice@Example.ORG"), "nai-alice@example.org");
  assert.equal(normaliseSubscriber("alice@example.org"), "nai-alice@example.org");
  assert.equal(normaliseSubscriber("Alice@example.org"), "nai-Alice@example.org");
  assert.equal(normaliseSubscriber("hotspot-user-42"), "nai-hotspot-user-42");
  // A NAI in another realm is not mistaken for an EAP permanent identity.
  assert.equal(
    normaliseSubscriber("0001010000000001@example.org"),
    "nai-0001010000000001@example.org",
  );
  assert.equal(normaliseSubscriber("gci-0123@example.org"), "gci-0123@example.org");
  assert.equal(normaliseSubscriber("gli-0123@example.org"), "gli-0123@example.org");
});

test("empty, over-long, control characters and bad IMSI SUPIs are SUBSCRIBER_BAD_FORMAT", () => {
  for (const bad of [
    "",
    "x".repeat(254),
    "alice\u0000",
    "a\nb",
    "imsi-1234",
    "imsi-1234567890123456",
    "nai-",
  ]) {
    assert.throws(
      () => normaliseSubscriber(bad),
      (e) => isError(e, "SUBSCRIBER_BAD_FORMAT"),
      JSON.stringify(bad),
    );
  }
  assert.equal(normaliseSubscriber("x".repeat(253)), `nai-${"x".repeat(253)}`);
});
