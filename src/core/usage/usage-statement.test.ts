import * as assert from "node:assert/strict";
import { test } from "node:test";
import { testSigner } from "../../../tests/support/signers.js";
import { isError } from "../errors/devicechain-error.js";
import {
  buildStatement,
  signStatement,
  statementDigest,
  verifyStatement,
} from "./usage-statement.js";

const node = testSigner("node");
const calls = [
  { time: Date.parse("2026-12-02T09:00:00Z"), scope: "check", currency: "EUR", price: 10 },
  { time: Date.parse("2026-12-01T23:59:59Z"), scope: "check", currency: "EUR", price: 10 },
  { time: Date.parse("2026-12-01T08:00:00Z"), scope: "proof", currency: "EUR", price: 5 },
  { time: Date.parse("2026-12-01T08:00:01Z"), scope: "check", currency: "USD", price: 7 },
];
/** A signed statement as parsed JSON, for a test to edit. */
interface Editable {
  statement: {
    org: string;
    lines: { amount: number; calls: number }[];
    due: { amount: number }[];
  };
  signature: { keyId: string; sig: string };
  extra?: number;
}
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isError(e) ? e.code : String(e);
  }
  return undefined;
};

test("a statement counts per day, scope and currency, sums what is due, whatever the order", () => {
  const s = buildStatement(node.keyId, "Acme", "2026-12", calls);
  assert.deepEqual(
    s.lines.map((l) => [l.day, l.scope, l.currency, l.calls, l.amount]),
    [
      ["2026-12-01", "check", "EUR", 1, 10],
      ["2026-12-01", "check", "USD", 1, 7],
      ["2026-12-01", "proof", "EUR", 1, 5],
      ["2026-12-02", "check", "EUR", 1, 10],
    ],
  );
  assert.deepEqual(s.due, [
    { currency: "EUR", amount: 25 },
    { currency: "USD", amount: 7 },
  ]);
  const again = buildStatement(node.keyId, "Acme", "2026-12", [...calls].reverse());
  assert.equal(statementDigest(again), statementDigest(s));
});

test("the signature verifies, and every tampered field is refused", () => {
  const signed = signStatement(node, buildStatement(node.keyId, "Acme", "2026-12", calls));
  const json = JSON.parse(JSON.stringify(signed));
  assert.equal(verifyStatement(json).statement.id, signed.statement.id);
  assert.equal(verifyStatement(json, node.keyId).statement.org, "Acme");
  assert.equal(
    codeOf(() => verifyStatement(json, testSigner("other").keyId)),
    "STATEMENT_BAD_SIGNATURE",
  );
  const tamper = (f: (s: Editable) => void): string | undefined => {
    const copy = JSON.parse(JSON.stringify(signed));
    f(copy);
    return codeOf(() => verifyStatement(copy));
  };
  // An amount changed and its total with it: shape holds, the signature does not.
  assert.equal(
    tamper((s) => {
      s.statement.lines[0]!.amount = 1;
      s.statement.due[0]!.amount = 16;
    }),
    "STATEMENT_BAD_SIGNATURE",
  );
  assert.equal(
    tamper((s) => {
      s.statement.lines[0]!.calls = 2;
    }),
    "STATEMENT_BAD_SIGNATURE",
  );
  assert.equal(
    tamper((s) => {
      s.statement.due[0]!.amount = 0;
    }),
    "STATEMENT_MALFORMED",
  );
  assert.equal(
    tamper((s) => {
      s.statement.org = "Other";
    }),
    "STATEMENT_MALFORMED",
    "the id names the org",
  );
  assert.equal(
    tamper((s) => {
      s.statement.lines.reverse();
    }),
    "STATEMENT_MALFORMED",
  );
  assert.equal(
    tamper((s) => {
      s.signature.sig = s.signature.sig.replace(/^./, (c: string) => (c === "A" ? "B" : "A"));
    }),
    "STATEMENT_BAD_SIGNATURE",
  );
  assert.equal(
    tamper((s) => {
      s.signature.keyId = testSigner("other").keyId;
    }),
    "STATEMENT_BAD_SIGNATURE",
  );
  assert.equal(
    tamper((s) => {
      s.extra = 1;
    }),
    "STATEMENT_MALFORMED",
  );
});
