import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isError } from "../errors/devicechain-error.js";
import { formatImei, imeiIdentifier, parseImei } from "./imei.js";

// 3GPP TS 23.003 annex B: TAC 49015420, SNR 323751, check digit 8.
const TAC_SNR = "49015420323751";
const IMEI = "490154203237518";

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(""));

test("the TS 23.003 example IMEI splits into TAC and SNR under the TAC+SNR key", () => {
  assert.deepEqual(parseImei(IMEI, "person"), {
    tac: "49015420",
    snr: "323751",
    key: `imei:${TAC_SNR}`,
    display: IMEI,
  });
});

test("an IMEI without its check digit resolves to the same key and displays the full IMEI", () => {
  assert.deepEqual(parseImei(TAC_SNR, "person"), parseImei(IMEI, "person"));
});

test("the IMEISV of the same device resolves to the same key and keeps its SVN", () => {
  // TS 23.003 §6.2.2: IMEISV = TAC + SNR + SVN; SVN 01 here, no check digit.
  const sv = parseImei("4901542032375101", "person");
  assert.equal(sv.key, `imei:${TAC_SNR}`);
  assert.equal(sv.svn, "01");
  assert.equal(sv.display, IMEI);
});

test("a person's IMEI with a wrong check digit is refused", () => {
  assert.throws(
    () => parseImei("490154203237517", "person"),
    (e) => isError(e, "IMEI_BAD_CHECK_DIGIT"),
  );
});

test("a network's 15th digit is not checked: networks send a spare 0 (TS 24.501)", () => {
  const id = parseImei("490154203237510", "network");
  assert.equal(id.key, `imei:${TAC_SNR}`);
  assert.equal(id.display, IMEI);
});

test("an IMEISV is never check-digited, whatever its origin", () => {
  assert.equal(parseImei("4901542032375199", "person").svn, "99");
});

test("anything but 14 to 16 ASCII digits is not an IMEI", () => {
  for (const bad of [
    "",
    "4901542032375",
    "49015420323751800",
    "49015420323751a",
    " 490154203237518",
  ]) {
    assert.throws(
      () => parseImei(bad, "network"),
      (e) => isError(e, "IMEI_BAD_FORMAT"),
    );
  }
});

test("imeiIdentifier carries the TAC, and the SVN only for an IMEISV", () => {
  assert.deepEqual(imeiIdentifier(parseImei(IMEI, "person")), {
    kind: "imei",
    key: `imei:${TAC_SNR}`,
    display: IMEI,
    tac: "49015420",
  });
  const sv = imeiIdentifier(parseImei("4901542032375101", "person"));
  assert.equal(sv.svn, "01");
  assert.ok(!Object.hasOwn(imeiIdentifier(parseImei(IMEI, "person")), "svn"));
});

test("formatImei adds the check digit to a key or to bare TAC+SNR", () => {
  assert.equal(formatImei(`imei:${TAC_SNR}`), IMEI);
  assert.equal(formatImei(TAC_SNR), IMEI);
  assert.equal(formatImei("imei:35693803564380"), "356938035643809");
  assert.throws(
    () => formatImei("imei:490154203237518"),
    (e) => isError(e, "IMEI_BAD_FORMAT"),
  );
});

test("property: the computed check digit is accepted from a person and every other is refused", () => {
  fc.assert(
    fc.property(digits(14), fc.integer({ min: 0, max: 9 }), (tacSnr, other) => {
      const imei = formatImei(tacSnr);
      assert.equal(parseImei(imei, "person").key, `imei:${tacSnr}`);
      const check = Number(imei.slice(14));
      if (other !== check) {
        assert.throws(
          () => parseImei(`${tacSnr}${other}`, "person"),
          (e) => isError(e, "IMEI_BAD_CHECK_DIGIT"),
        );
        assert.equal(parseImei(`${tacSnr}${other}`, "network").key, `imei:${tacSnr}`);
      }
    }),
  );
});
