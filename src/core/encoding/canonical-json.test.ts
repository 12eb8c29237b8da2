/**
 * Canonical JSON against RFC 8785 (JCS): the RFC's own examples, the companion test data of its
 * authors, and a differential property against `canonicalize`, the reference JavaScript
 * implementation by the RFC's authors. Numbers are restricted to safe integers by design.
 */
import * as assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isError } from "../errors/devicechain-error.js";
import { utf8 } from "./bytes.js";
import { canonicalBytes, canonicalize, type Json, parseJsonBytes } from "./canonical-json.js";

// The package is CommonJS with a mistyped default export; require it as what it is.
const reference = createRequire(import.meta.url)("canonicalize") as (v: unknown) => string;

const jcs = (jsonText: string): string => canonicalize(parseJsonBytes(utf8(jsonText)));

describe("RFC 8785 vectors", () => {
  test("§3.2.3 sorting: keys in UTF-16 code-unit order, not code point or locale order", () => {
    // RFC 8785 §3.2.3's example; U+1F600 sorts before U+FB33 because its high surrogate
    // (0xD83D) is below 0xFB33 in UTF-16, although its code point is above.
    const input = `{
      "\\u20ac": "Euro Sign",
      "\\r": "Carriage Return",
      "\\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\\ud83d\\ude00": "Emoji: Grinning Face",
      "\\u0080": "Control",
      "\\u00f6": "Latin Small Letter O With Diaeresis"
    }`;
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\u{1F600}":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    assert.equal(jcs(input), expected);
  });

  test("§3.2.2.2 strings: minimal escapes, lowercase \\u00hh for other controls", () => {
    // The "string" and "literals" members of RFC 8785 §3.2.4's example (its numbers are floats,
    // which the ledger refuses: see below).
    const input = `{
      "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
      "literals": [null, true, false]
    }`;
    assert.equal(
      jcs(input),
      '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  test("§3.2.4's number array is refused with TX_MALFORMED: floats are outside the domain", () => {
    const input =
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]}';
    assert.throws(
      () => jcs(input),
      (e) => isError(e, "TX_MALFORMED"),
    );
  });

  test("Appendix B integers: 0, -0 → 0, ±(2^53 - 1)", () => {
    assert.equal(canonicalize(0), "0");
    assert.equal(canonicalize(-0), "0");
    assert.equal(canonicalize(9007199254740991), "9007199254740991");
    assert.equal(canonicalize(-9007199254740991), "-9007199254740991");
  });

  // Companion test data of the RFC's authors (github.com/cyberphone/json-canonicalization,
  // testdata/input → testdata/output), as shipped with the `canonicalize` package.
  const companion: readonly [string, string, string][] = [
    ["arrays", '[56, {"d": true, "10": null, "1": [ ]}]', '[56,{"1":[],"10":null,"d":true}]'],
    [
      "french",
      '{"peach": "This sorting order", "péché": "is wrong according to French", "pêche": "but canonicalization MUST", "sin": "ignore locale"}',
      '{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ignore locale"}',
    ],
    [
      "structures",
      '{"1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0}, "10": { }, "": "empty", "a": { }, "111": [ {"e": "yes","E": "no" } ], "A": {"b": "123"}}',
      '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{"b":"123"},"a":{}}',
    ],
    [
      "weird",
      '{"€": "Euro Sign", "1": "One", "\\u0080": "Control", "\\ud83d\\ude02": "Smiley", "ö": "Latin Small Letter O With Diaeresis", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}',
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","\u{1F602}":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    ],
  ];
  for (const [name, input, output] of companion) {
    test(`companion vector ${name}`, () => {
      assert.equal(jcs(input), output);
      assert.equal(reference(JSON.parse(input)), output, "the reference agrees");
    });
  }
});

describe("the ledger's domain: safe integers only", () => {
  for (const bad of [
    0.5,
    1e21,
    2 ** 53,
    -(2 ** 53),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.MIN_VALUE,
  ]) {
    test(`refuses ${bad} with TX_MALFORMED, also nested`, () => {
      assert.throws(
        () => canonicalize(bad),
        (e) => isError(e, "TX_MALFORMED"),
      );
      assert.throws(
        () => canonicalize({ a: [1, { b: bad }] }),
        (e) => isError(e, "TX_MALFORMED"),
      );
    });
  }

  test("refuses values JSON cannot hold", () => {
    for (const bad of [() => 1, Symbol("s"), 10n]) {
      assert.throws(
        () => canonicalize({ a: bad }),
        (e) => isError(e, "TX_MALFORMED"),
      );
    }
  });

  test("omits undefined members, as JSON.stringify does", () => {
    assert.equal(canonicalize({ b: 1, a: undefined }), '{"b":1}');
  });

  test("refuses lone surrogates: RFC 8785 §3.2.2.2 requires an error for them", () => {
    // A lone surrogate cannot be encoded in UTF-8; implementations in other languages cannot
    // reproduce the bytes a signature covers, so JCS makes them an error.
    for (const bad of ["\ud800", "a\udc00b", "\ude00\ud83d"]) {
      assert.throws(
        () => canonicalize(bad),
        (e) => isError(e, "TX_MALFORMED"),
        JSON.stringify(bad),
      );
      assert.throws(
        () => canonicalize({ [bad]: 1 }),
        (e) => isError(e, "TX_MALFORMED"),
        `key ${JSON.stringify(bad)}`,
      );
    }
  });

  test("parseJsonBytes refuses bad UTF-8 and bad JSON with TX_MALFORMED", () => {
    for (const bad of [
      Uint8Array.of(0x22, 0xff, 0x22),
      Uint8Array.of(0xc3),
      utf8("{"),
      utf8("{'a':1}"),
      utf8(""),
      utf8("[1,]"),
    ]) {
      assert.throws(
        () => parseJsonBytes(bad),
        (e) => isError(e, "TX_MALFORMED"),
      );
    }
  });
});

/** Strings that stress escaping: controls, quotes, backslashes, astral characters, U+2028. */
const nastyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc
    .array(
      fc.constantFrom(
        "\u0000",
        "\u0008",
        "\t",
        "\n",
        "\u000b",
        "\f",
        "\r",
        "\u001f",
        '"',
        "\\",
        "/",
        "\u007f",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\u{1F600}",
        "é",
        "a",
      ),
      { maxLength: 10 },
    )
    .map((parts) => parts.join("")),
);

const { json } = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.integer({ min: -1000, max: 1000 }),
    nastyString,
    fc.array(tie("json"), { maxLength: 5 }),
    fc.dictionary(nastyString, tie("json"), { maxKeys: 6 }),
  ),
}));

/** The same value with every object's keys inserted in reverse order. */
function reversed(v: Json): Json {
  if (Array.isArray(v)) return v.map(reversed);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(v).reverse()) out[k] = reversed((v as Record<string, Json>)[k]!);
    return out;
  }
  return v;
}

describe("properties", () => {
  test("equals the reference implementation on random JSON", () => {
    fc.assert(
      fc.property(json, (v) => {
        assert.equal(canonicalize(v), reference(v));
      }),
      { numRuns: 500 },
    );
  });

  test("parse → canonicalize is a fixed point, whatever the formatting or key order", () => {
    fc.assert(
      fc.property(json, (v) => {
        const c = canonicalize(v);
        assert.equal(jcs(c), c);
        assert.equal(jcs(JSON.stringify(v, null, 2)), c);
        assert.equal(canonicalize(reversed(v)), c);
        assert.deepEqual(canonicalBytes(v), utf8(c));
      }),
      { numRuns: 300 },
    );
  });
});
