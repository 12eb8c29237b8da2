/** Validator-set hashes and addresses against real CometBFT v0.38.25 output (tests/fixtures/cometbft/). */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  bundleValidators,
  changedFixture,
  lowOverlapFixture,
  plainFixture,
} from "../../../../tests/support/comet-fixtures.js";
import { fromBase64, toHex } from "../../encoding/bytes.js";
import { isError } from "../../errors/devicechain-error.js";
import { decodeValidatorSet, validatorAddress, validatorSetHash } from "./validator-set.js";

const heights = [plainFixture(), changedFixture(), lowOverlapFixture()];

test("the validator-set hash of each captured set is its header's validators_hash", () => {
  for (const h of heights) {
    const set = decodeValidatorSet(bundleValidators(h), "set", "PROOF_MALFORMED");
    assert.equal(
      toHex(validatorSetHash(set)).toUpperCase(),
      h.signedHeader.header.validators_hash,
      `height ${h.height}`,
    );
  }
});

test("the sets are the scenario's: four of power 10, then a fifth of 30, then of 1000", () => {
  const powers = (i: number) => bundleValidators(heights[i]!).map((v) => v.power);
  assert.deepEqual(powers(0), [10, 10, 10, 10]);
  assert.deepEqual(powers(1), [30, 10, 10, 10, 10]);
  assert.deepEqual(powers(2), [1000, 10, 10, 10, 10]);
});

test("an address is the first 20 bytes of SHA-256 of the key, as the RPC shows it", () => {
  for (const h of heights) {
    for (const v of h.validators.validators as { address: string; pub_key: { value: string } }[]) {
      assert.equal(toHex(validatorAddress(fromBase64(v.pub_key.value)!)).toUpperCase(), v.address);
    }
  }
});

test("order and power are hashed: swapping two validators or changing a power changes the hash", () => {
  const list = bundleValidators(changedFixture());
  const hash = (l: typeof list) =>
    toHex(validatorSetHash(decodeValidatorSet(l, "s", "PROOF_MALFORMED")));
  const base = hash(list);
  assert.notEqual(hash([list[1]!, list[0]!, ...list.slice(2)]), base);
  assert.notEqual(hash([{ ...list[0]!, power: list[0]!.power + 1 }, ...list.slice(1)]), base);
});

test("a set listing a key twice is PROOF_DUPLICATE_VALIDATOR; a bad key or power is refused", () => {
  const list = bundleValidators(plainFixture());
  assert.throws(
    () => decodeValidatorSet([...list, list[0]!], "s", "PROOF_MALFORMED"),
    (e) => isError(e, "PROOF_DUPLICATE_VALIDATOR"),
  );
  for (const bad of [
    [],
    [{ pubKey: "AAAA", power: 1 }],
    [{ ...list[0]!, power: 0 }],
    [{ ...list[0]!, power: 1.5 }],
  ]) {
    assert.throws(
      () => decodeValidatorSet(bad, "s", "TRUST_INVALID"),
      (e) => isError(e, "TRUST_INVALID"),
    );
  }
});
