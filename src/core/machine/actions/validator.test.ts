/** validator.set: the regulator grows, reweights and shrinks the validator set, never to empty. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryChain } from "../../../../tests/support/memory-chain.js";
import { TEST_CHAIN, testSigner } from "../../../../tests/support/signers.js";
import { readValidators } from "../../state/validator-set.js";

const reg = testSigner("regulator");
const key = (n: number): string => Buffer.alloc(32, n).toString("base64");

function chain(): MemoryChain {
  return new MemoryChain({
    chainId: TEST_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [
      { id: "regulator", role: "regulator", name: "R", key: reg.keyId },
      { id: "op", role: "operator", name: "Op", key: testSigner("op").keyId },
    ],
    validators: [{ member: "regulator", pubKey: key(1), power: 10 }],
  });
}

test("genesis validators, then admit, reweight and remove by transaction", () => {
  const c = chain();
  assert.deepEqual(readValidators(c), [{ pubKey: key(1), member: "regulator", power: 10 }]);
  const [admit] = c.block([
    c.tx(reg, "validator.set", { member: "op", pubKey: key(2), power: 10 }),
  ]);
  assert.equal(admit?.code, 0);
  assert.deepEqual(admit?.events, [
    { type: "validator.updated", attributes: { member: "op", pubKey: key(2), power: "10" } },
  ]);
  c.must(c.tx(reg, "validator.set", { member: "op", pubKey: key(2), power: 5 }));
  assert.deepEqual(
    readValidators(c).map((v) => [v.member, v.power]),
    [
      ["regulator", 10],
      ["op", 5],
    ],
  );
  c.must(c.tx(reg, "validator.set", { member: "op", pubKey: key(2), power: 0 }));
  assert.equal(readValidators(c).length, 1);
});

test("refusals are coded and change nothing", () => {
  const c = chain();
  const codes = (params: Record<string, unknown>, signer = reg): string | undefined =>
    c.block([c.tx(signer, "validator.set", params as never)])[0]?.codeName;
  assert.equal(codes({ member: "regulator", pubKey: key(1), power: 0 }), "VALIDATOR_SET_EMPTY");
  assert.equal(codes({ member: "op", pubKey: key(9), power: 0 }), "VALIDATOR_UNKNOWN");
  assert.equal(codes({ member: "op", pubKey: key(1), power: 3 }), "KEY_IN_USE");
  assert.equal(codes({ member: "nobody", pubKey: key(3), power: 3 }), "MEMBER_UNKNOWN");
  assert.equal(codes({ member: "op", pubKey: "not-a-key", power: 3 }), "TX_BAD_PARAMS");
  assert.equal(codes({ member: "op", pubKey: key(3), power: -1 }), "TX_BAD_PARAMS");
  assert.equal(
    codes({ member: "op", pubKey: key(3), power: 3 }, testSigner("op")),
    "ROLE_FORBIDDEN",
  );
  assert.deepEqual(readValidators(c), [{ pubKey: key(1), member: "regulator", power: 10 }]);
});
