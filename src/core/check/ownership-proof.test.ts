/** The ownership proof's signing bytes and checks, pure. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { TEST_CHAIN, testSigner } from "../../../tests/support/signers.js";
import { fromUtf8 } from "../encoding/bytes.js";
import { isError } from "../errors/devicechain-error.js";
import {
  encodeChallenge,
  ownershipSigningBytes,
  parseChallenge,
  proveOwnership,
  verifyOwnershipSignature,
} from "./ownership-proof.js";

const alice = testSigner("alice");
const challenge = encodeChallenge(new Uint8Array(32).fill(7));
const statement = { chain: TEST_CHAIN, device: "imei:49015420323751", challenge };

test("the signed bytes: a domain tag, then canonical {chain, challenge, device}", () => {
  assert.equal(
    fromUtf8(ownershipSigningBytes(statement)),
    `devicechain/ownership-proof/v1\n{"chain":"devicechain-test","challenge":"${challenge}","device":"imei:49015420323751"}`,
  );
});

test("a proof verifies for its chain, device and challenge only", () => {
  const p = proveOwnership(alice, statement);
  assert.equal(p.key, alice.keyId);
  verifyOwnershipSignature(statement, p.key, p.signature);
  for (const other of [
    { ...statement, chain: "other" },
    { ...statement, device: "imei:49015420323752" },
    { ...statement, challenge: encodeChallenge(new Uint8Array(32).fill(8)) },
  ]) {
    assert.throws(
      () => verifyOwnershipSignature(other, p.key, p.signature),
      (e) => isError(e, "OWNERSHIP_PROOF_INVALID"),
    );
  }
  assert.throws(
    () => verifyOwnershipSignature(statement, testSigner("bob").keyId, p.signature),
    (e) => isError(e, "OWNERSHIP_PROOF_INVALID"),
  );
  assert.throws(
    () => verifyOwnershipSignature(statement, 42, p.signature),
    (e) => isError(e, "REQUEST_BAD_PARAMS"),
  );
});

test("a challenge is exactly 32 bytes of unpadded base64url", () => {
  assert.equal(parseChallenge(challenge).length, 32);
  for (const bad of [undefined, 1, "", `${challenge}=`, challenge.slice(1), `${challenge}AA`]) {
    assert.throws(
      () => parseChallenge(bad),
      (e) => isError(e, "OWNERSHIP_CHALLENGE_INVALID"),
    );
  }
  assert.throws(() => encodeChallenge(new Uint8Array(31)));
});
