import * as assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isError } from "../errors/devicechain-error.js";
import { fromUtf8 } from "./bytes.js";
import { canonicalBytes, canonicalize, parseJsonBytes } from "./canonical-json.js";

// The reference RFC 8785 implementation, by the RFC's authors (a CommonJS module).
const reference = createRequire(import.meta.url)("canonicalize") as (v: unknown) => string;

/** JSON values in the ledger's domain: safe integers, no floats. */
const ledgerJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: "grapheme" }),
    fc.string({ unit: "binary" }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: "binary" }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

describe("canonical JSON (RFC 8785)", () => {
  test("sorts keys by UTF-16 code units: RFC 8785 §3.2.3 example", () => {
    // The property names of RFC 8785 §3.2.3, in the order the RFC gives as sorted.
    const value = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    // Object.keys would list "1" first (an integer-like key), so build the expected text by hand.
    const sorted = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"] as const;
    const expected = `{${sorted.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`).join(",")}}`;
    assert.equal(canonicalize(value), expected);
    assert.equal(canonicalize(value), reference(value));
  });

  test("no whitespace, literals and escapes as RFC 8785 §3.2.2 serialises them", () => {
    assert.equal(
      canonicalize({ b: [true, false, null], a: '\u000f\n"\\/' }),
      '{"a":"\\u000f\\n\\"\\\\/","b":[true,false,null]}',
    );
    assert.equal(canonicalize(-0), "0");
    assert.equal(canonicalize(9007199254740991), "9007199254740991");
  });

  test("agrees with the reference implementation on random ledger values", () => {
    fc.assert(
      fc.property(ledgerJson, (v) => {
        assert.equal(canonicalize(v), reference(v));
      }),
      { numRuns: 500 },
    );
  });

  test("round-trips: parse(canonical(v)) re-encodes to the same bytes", () => {
    fc.assert(
      fc.property(ledgerJson, (v) => {
        const bytes = canonicalBytes(v);
        assert.deepEqual(canonicalBytes(parseJsonBytes(bytes)), bytes);
        assert.equal(fromUtf8(bytes), canonicalize(v));
      }),
      { numRuns: 500 },
    );
  });

  test("refuses floats, unsafe integers and non-JSON values with TX_MALFORMED", () => {
    for (const bad of [
      1.5,
      2 ** 53,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      undefined,
      () => 1,
      10n,
    ]) {
      assert.throws(
        () => canonicalize(bad),
        (e) => isError(e, "TX_MALFORMED"),
        String(bad),
      );
    }
    assert.throws(
      () => parseJsonBytes(new Uint8Array([0x7b])),
      (e) => isError(e, "TX_MALFORMED"),
    );
  });
});
