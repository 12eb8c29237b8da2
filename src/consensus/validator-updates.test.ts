/** FinalizeBlock's ValidatorUpdates from committed validator.set events. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { TxResult } from "../core/machine/state-machine.js";
import { checkGenesisValidators, validatorUpdatesOf } from "./validator-updates.js";

const key = (n: number): string => Buffer.alloc(32, n).toString("base64");
const ok = (pubKey: string, power: number): TxResult => ({
  hash: "h",
  code: 0,
  codeName: "OK",
  log: "",
  events: [
    { type: "validator.updated", attributes: { member: "m", pubKey, power: String(power) } },
  ],
});

test("one update per key, the last one winning; failed transactions count for nothing", () => {
  const failed: TxResult = { ...ok(key(3), 7), code: 80, codeName: "VALIDATOR_UNKNOWN" };
  const updates = validatorUpdatesOf([ok(key(1), 10), ok(key(2), 5), failed, ok(key(1), 0)]);
  assert.deepEqual(
    updates.map((u) => [Buffer.from(u.pubKey.ed25519!).toString("base64"), u.power]),
    [
      [key(1), 0n],
      [key(2), 5n],
    ],
  );
});

test("CometBFT's genesis validators must match the ledger's", () => {
  const cmt = [{ pubKey: { ed25519: new Uint8Array(Buffer.alloc(32, 1)) }, power: 10n }];
  checkGenesisValidators(cmt, [{ member: "a", pubKey: key(1), power: 10 }]);
  checkGenesisValidators(cmt, undefined);
  assert.throws(() => checkGenesisValidators(cmt, [{ member: "a", pubKey: key(1), power: 9 }]), {
    code: "GENESIS_INVALID",
  });
});
