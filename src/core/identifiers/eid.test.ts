import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isError } from "../errors/devicechain-error.js";
import { eidCheckDigits, parseEid } from "./eid.js";

// GSMA SGP.29 (EID definition and assignment), example EID with check digits 35.
const GSMA_EID = "89049032123451234512345678901235";

test("the GSMA example EID is valid", () => {
  assert.deepEqual(parseEid(GSMA_EID), { kind: "eid", key: `eid:${GSMA_EID}`, display: GSMA_EID });
});

test("every one-digit change to the GSMA example is refused", () => {
  // MOD 97-10 catches all single substitutions: d·10^k is never 0 mod 97 for 0 < |d| < 10.
  for (let i = 0; i < GSMA_EID.length; i++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) === GSMA_EID[i]) continue;
      const changed = `${GSMA_EID.slice(0, i)}${d}${GSMA_EID.slice(i + 1)}`;
      assert.throws(
        () => parseEid(changed),
        (e) => isError(e, "EID_BAD_CHECK_DIGITS"),
        changed,
      );
    }
  }
});

test("anything but 32 ASCII digits is refused", () => {
  for (const bad of [GSMA_EID.slice(1), `${GSMA_EID}0`, `${GSMA_EID.slice(0, 31)}a`, ""]) {
    assert.throws(
      () => parseEid(bad),
      (e) => isError(e, "EID_BAD_CHECK_DIGITS"),
      bad,
    );
  }
});

test("eidCheckDigits completes the GSMA example", () => {
  assert.equal(eidCheckDigits(GSMA_EID.slice(0, 30)), "35");
  assert.throws(
    () => eidCheckDigits("123"),
    (e) => isError(e, "EID_BAD_CHECK_DIGITS"),
  );
});

test("property: 30 digits completed with their check digits always parse", () => {
  const digits30 = fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: 30, maxLength: 30 })
    .map((a) => a.join(""));
  fc.assert(
    fc.property(digits30, (first30) => {
      const eid = `${first30}${eidCheckDigits(first30)}`;
      assert.equal(parseEid(eid).key, `eid:${eid}`);
    }),
  );
});
