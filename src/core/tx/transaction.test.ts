import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { MemoryChain } from "../../../tests/support/memory-chain.js";
import { testSigner } from "../../../tests/support/signers.js";
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from "../encoding/bytes.js";
import { isError } from "../errors/devicechain-error.js";
import { checkSignature } from "../machine/verify.js";
import {
  decodeTx,
  encodeTx,
  fromValue,
  MAX_TX_BYTES,
  type SignedTx,
  signTx,
  type TxBody,
} from "./transaction.js";
import { TX_TYPES } from "./tx-type.js";

const alice = testSigner("alice");

const body = (over: Partial<TxBody> = {}): TxBody => ({
  chain: "devicechain-test",
  signer: alice.keyId,
  nonce: 1,
  type: "report.file",
  params: { device: "490154203237518", kind: "stolen" },
  ...over,
});

describe("transactions", () => {
  test("sign → encode → decode round-trips, and the hash names the canonical bytes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TX_TYPES),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.oneof(fc.string(), fc.integer(), fc.boolean()),
          { maxKeys: 4, noNullPrototype: true },
        ),
        (type, nonce, params) => {
          const tx = signTx(alice, body({ type, nonce, params }));
          const d = decodeTx(encodeTx(tx));
          assert.deepEqual(d.tx, tx);
          assert.deepEqual(d.bytes, encodeTx(tx));
          checkSignature(d);
        },
      ),
      { numRuns: 200 },
    );
  });

  test("the encoding does not depend on key order or whitespace", () => {
    const tx = signTx(alice, body());
    const shuffled = `{ "sig": ${JSON.stringify(tx.sig)},\n "body": {"params": {"kind":"stolen","device":"490154203237518"}, "type":"report.file","nonce":1,"signer":"${alice.keyId}","chain":"devicechain-test"} }`;
    const d = decodeTx(utf8(shuffled));
    assert.deepEqual(d.bytes, encodeTx(tx));
    assert.equal(d.hash, fromValue(tx).hash);
  });

  test("the signature covers every body field", () => {
    const tx = signTx(alice, body());
    const changes: Partial<TxBody>[] = [
      { chain: "other-chain" },
      { nonce: 2 },
      { type: "report.clear" },
      { params: { device: "490154203237518", kind: "lost" } },
      { signer: testSigner("bob").keyId },
    ];
    for (const change of changes) {
      const forged: SignedTx = { body: { ...tx.body, ...change }, sig: tx.sig };
      assert.throws(
        () => checkSignature(fromValue(forged)),
        (e) => isError(e, "TX_BAD_SIGNATURE"),
        JSON.stringify(change),
      );
    }
  });

  test("malformed transactions are refused with their codes", () => {
    const tx = signTx(alice, body());
    const cases: [unknown, string][] = [
      [null, "TX_MALFORMED"],
      [[], "TX_MALFORMED"],
      [{ body: tx.body }, "TX_MALFORMED"],
      [{ ...tx, extra: 1 }, "TX_MALFORMED"],
      [{ ...tx, sig: "abc" }, "TX_MALFORMED"],
      [{ ...tx, body: { ...tx.body, nonce: 0 } }, "TX_MALFORMED"],
      [{ ...tx, body: { ...tx.body, nonce: 1.5 } }, "TX_MALFORMED"],
      [{ ...tx, body: { ...tx.body, signer: "x" } }, "TX_MALFORMED"],
      [{ ...tx, body: { ...tx.body, chain: "" } }, "TX_MALFORMED"],
      [{ ...tx, body: { ...tx.body, params: [] } }, "TX_MALFORMED"],
      [{ ...tx, body: { ...tx.body, type: "device.teleport" } }, "TX_UNKNOWN_TYPE"],
    ];
    for (const [value, code] of cases) {
      assert.throws(
        () => fromValue(value),
        (e) => isError(e, code as never),
        JSON.stringify(value)?.slice(0, 80),
      );
    }
  });

  test("the size limit is enforced before parsing", () => {
    const big = new Uint8Array(MAX_TX_BYTES + 1).fill(0x20);
    assert.throws(
      () => decodeTx(big),
      (e) => isError(e, "TX_TOO_LARGE"),
    );
    const padded = signTx(alice, body({ params: { pad: "x".repeat(MAX_TX_BYTES) } }));
    assert.throws(
      () => fromValue(padded),
      (e) => isError(e, "TX_TOO_LARGE"),
    );
    assert.equal(fromUtf8(encodeTx(signTx(alice, body()))).includes(" "), false);
  });
});

describe("nesting depth", () => {
  const nested = (depth: number): Uint8Array =>
    utf8(
      `{"body":{"chain":"devicechain-test","signer":"${alice.keyId}","nonce":1,"type":"report.file",` +
        `"params":{"x":${"[".repeat(depth)}${"]".repeat(depth)}}},"sig":"${"A".repeat(86)}"}`,
    );

  test("deeply nested JSON under the size limit is refused with TX_MALFORMED, not a crash", () => {
    // 200,000 levels fit in 400 KB; decoding must fail with a code (400), not a RangeError
    // that surfaces as INTERNAL.
    assert.throws(
      () => decodeTx(nested(200_000)),
      (e) => isError(e, "TX_MALFORMED"),
    );
  });

  test("the depth limit is fixed, so every node decides alike whatever its stack size", () => {
    // Result codes go into CometBFT's LastResultsHash: a tx that one node decodes and another
    // overflows on would split the network. The ledger's own values nest a few levels deep.
    assert.throws(
      () => decodeTx(nested(1_000)),
      (e) => isError(e, "TX_MALFORMED"),
    );
  });
});

describe("through the verification pipeline", () => {
  test("a flipped signature bit, or any changed body field, is refused in a block", () => {
    const c = MemoryChain.withRegulator();
    const reg = testSigner("regulator");
    const tx = c.tx(reg, "member.admit", {
      id: "op",
      role: "operator",
      name: "Op",
      key: testSigner("op").keyId,
    });
    const sig = fromBase64Url(tx.sig);
    assert.ok(sig);
    sig[63] = (sig[63] ?? 0) ^ 0x01;
    const forgeries: SignedTx[] = [
      { ...tx, sig: toBase64Url(sig) },
      { ...tx, body: { ...tx.body, nonce: tx.body.nonce + 1 } },
      { ...tx, body: { ...tx.body, params: { ...tx.body.params, role: "regulator" } } },
      { ...tx, body: { ...tx.body, type: "member.suspend" } },
    ];
    const results = c.block(forgeries);
    assert.deepEqual(
      results.map((r) => r.codeName),
      forgeries.map(() => "TX_BAD_SIGNATURE"),
    );
    assert.equal(c.block([tx])[0]?.codeName, "OK", "the genuine one still goes through");
  });
});

describe("property: decoding fails only with codes", () => {
  test("any JSON value, or any bytes, decodes or fails with a catalogue code", () => {
    const tx = signTx(alice, body());
    const json = fc.jsonValue({ maxDepth: 4 });
    const mutated = fc
      .tuple(fc.constantFrom("body", "sig", "chain", "signer", "nonce", "type", "params"), json)
      .map(([field, v]) =>
        field === "body" || field === "sig"
          ? { ...tx, [field]: v }
          : { ...tx, body: { ...tx.body, [field]: v } },
      );
    const coded = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(isError(e), `an uncoded ${String(e)}`);
      }
    };
    fc.assert(
      fc.property(fc.oneof(json, mutated), (v) => {
        coded(() => fromValue(v));
        coded(() => decodeTx(utf8(JSON.stringify(v) ?? "")));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => coded(() => decodeTx(bytes))),
      { numRuns: 300 },
    );
  });
});
