import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isError } from "../errors/devicechain-error.js";
import { formatMac, parseMac } from "./mac.js";

const EXPECTED = { kind: "mac", key: "mac:AABBCCDDEEFF", display: "AA-BB-CC-DD-EE-FF" };

test("every common MAC notation resolves to one key", () => {
  for (const s of [
    "aa:bb:cc:dd:ee:ff",
    "AA:BB:CC:DD:EE:FF",
    "AA-BB-CC-DD-EE-FF", // FreeRADIUS Calling-Station-Id after rewrite_calling_station_id
    "aA-bB-Cc-dd-EE-ff",
    "aabb.ccdd.eeff", // Cisco IOS
    "aabbccddeeff",
  ]) {
    assert.deepEqual(parseMac(s), EXPECTED, s);
  }
});

test("mixed separators, wrong grouping and wrong lengths are refused", () => {
  for (const bad of [
    "aa:bb-cc:dd:ee:ff",
    "aa:bb:cc:dd:ee.ff",
    "aabb:ccdd:eeff",
    "aa.bb.cc.dd.ee.ff",
    "aa:bb:cc:dd:ee",
    "aa:bb:cc:dd:ee:ff:00",
    "aabbccddeef",
    "aabbccddeeffa",
    "gg:bb:cc:dd:ee:ff",
    "aa:bb:cc:dd:ee:ff:",
    "",
  ]) {
    assert.throws(
      () => parseMac(bad),
      (e) => isError(e, "MAC_BAD_FORMAT"),
      bad,
    );
  }
});

test("formatMac writes upper-case groups joined by hyphens", () => {
  assert.equal(formatMac("0a1b2c3d4e5f"), "0A-1B-2C-3D-4E-5F");
  assert.throws(
    () => formatMac("0a1b2c3d4e5"),
    (e) => isError(e, "MAC_BAD_FORMAT"),
  );
});

test("property: for any 6 bytes, every notation parses to the same key", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.boolean(), (bytes, upper) => {
      const pairs = [...bytes].map((b) => b.toString(16).padStart(2, "0"));
      const c = (s: string) => (upper ? s.toUpperCase() : s);
      const key = `mac:${pairs.join("").toUpperCase()}`;
      const notations = [
        pairs.join(":"),
        pairs.join("-"),
        `${pairs[0]}${pairs[1]}.${pairs[2]}${pairs[3]}.${pairs[4]}${pairs[5]}`,
        pairs.join(""),
      ];
      for (const n of notations) assert.equal(parseMac(c(n)).key, key);
      assert.equal(parseMac(parseMac(pairs.join("")).display).key, key);
    }),
  );
});
