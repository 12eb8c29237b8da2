import * as assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { TEST_CHAIN } from "../../../tests/support/signers.js";
import { verifyAttestation } from "../../core/check/device-attestation.js";
import { deviceKeyFromKeyObject } from "../../core/crypto/device-key.js";
import { isError } from "../../core/errors/devicechain-error.js";
import type { Device } from "../../core/state/device.js";
import { answerChallenge, deviceSignFor } from "./attestation.js";

const statement = {
  chain: TEST_CHAIN,
  device: "imei:49015420323751",
  purpose: "resale",
  challenge: Buffer.alloc(32, 9).toString("base64url"),
};
const deviceWith = (key: string): Device => ({
  id: statement.device,
  ids: [statement.device],
  manufacturer: "acme",
  deviceKey: key,
  marks: [],
  history: [],
});

for (const kind of ["ed25519", "p256"] as const) {
  test(`a ${kind} device's answer verifies as core checks it, and only for its statement`, () => {
    const pair =
      kind === "ed25519"
        ? generateKeyPairSync("ed25519")
        : generateKeyPairSync("ec", { namedCurve: "P-256" });
    const device = deviceWith(deviceKeyFromKeyObject(pair.publicKey).text);
    const signature = answerChallenge(deviceSignFor(pair.privateKey), statement);
    const ok = verifyAttestation({ statement, signature, device, roots: [], now: 0 });
    assert.equal(ok.result, "genuine");
    assert.throws(
      () =>
        verifyAttestation({
          statement: { ...statement, purpose: "pairing" },
          signature,
          device,
          roots: [],
          now: 0,
        }),
      (e) => isError(e, "ATTESTATION_BAD_SIGNATURE"),
    );
  });
}
