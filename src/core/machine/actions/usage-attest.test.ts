/** usage.attest: a member anchors its node's statement digest once, for a month that has ended. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryChain } from "../../../../tests/support/memory-chain.js";
import { TEST_CHAIN, testSigner } from "../../../../tests/support/signers.js";
import { usageAttestationKey } from "../../state/keys.js";
import { buildStatement, signStatement, statementDigest } from "../../usage/usage-statement.js";
import { usageAttest } from "./usage-attest.js";

const reg = testSigner("regulator");
const op = testSigner("op");
const node = testSigner("op-node");

function chain(): MemoryChain {
  // MemoryChain's blocks are dated 2026-06-01: May has ended, June has not.
  return new MemoryChain({
    chainId: TEST_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [
      { id: "regulator", role: "regulator", name: "R", key: reg.keyId },
      { id: "op", role: "operator", name: "Op", key: op.keyId },
    ],
    validators: [
      { member: "regulator", pubKey: Buffer.alloc(32, 1).toString("base64"), power: 10 },
    ],
  });
}

const statement = (month: string) =>
  buildStatement(node.keyId, "Acme Resale", month, [
    { time: Date.parse(`${month}-03T10:00:00Z`), scope: "check", currency: "EUR", price: 10 },
  ]);
const params = (month: string) => {
  const s = statement(month);
  return { month, statement: s.id, sha256: statementDigest(s), nodeKey: node.keyId };
};

test("a member attests its node's statement of an ended month once", () => {
  const c = chain();
  const p = params("2026-05");
  const [r] = c.block([c.tx(op, "usage.attest", p)]);
  assert.equal(r?.codeName, "OK", r?.log);
  assert.equal(r?.events[0]?.type, "usage.attested");
  assert.deepEqual(
    (c.get(usageAttestationKey("op", p.statement)) as { sha256: string }).sha256,
    p.sha256,
  );
  const [again] = c.block([c.tx(op, "usage.attest", p)]);
  assert.equal(again?.codeName, "USAGE_ALREADY_ATTESTED");
  // Another member attesting the same id is its own record.
  const [other] = c.block([c.tx(reg, "usage.attest", p)]);
  assert.equal(other?.codeName, "OK");
});

test("a month still running at block time is refused; bad params are TX_BAD_PARAMS", () => {
  const c = chain();
  const [open] = c.block([c.tx(op, "usage.attest", params("2026-06"))]);
  assert.equal(open?.codeName, "USAGE_MONTH_OPEN");
  for (const bad of [
    { ...params("2026-05"), month: "2026-13" },
    { ...params("2026-05"), sha256: "X".repeat(64) },
    { ...params("2026-05"), statement: "a".repeat(33) },
    { ...params("2026-05"), extra: 1 },
  ]) {
    const [r] = c.block([c.tx(op, "usage.attest", bad)]);
    assert.equal(r?.codeName, "TX_BAD_PARAMS", JSON.stringify(bad));
  }
});

test("the CLI flags read and verify the signed statement before anything is signed", async () => {
  const signed = signStatement(node, statement("2026-05"));
  const io = (text: string) => ({
    readFile: () => new Uint8Array(),
    readTextFile: () => text,
    keyFileId: () => "",
    chainId: async () => TEST_CHAIN,
    devicePrimaryKey: async () => "",
  });
  const p = await usageAttest.cli.params({ statement: "s.json" }, io(JSON.stringify(signed)));
  assert.deepEqual(p, params("2026-05"));
  const tampered = { ...signed, statement: { ...signed.statement, org: "Someone Else" } };
  await assert.rejects(
    async () => usageAttest.cli.params({ statement: "s.json" }, io(JSON.stringify(tampered))),
    (e: { code?: string }) =>
      e.code === "STATEMENT_MALFORMED" || e.code === "STATEMENT_BAD_SIGNATURE",
  );
});
