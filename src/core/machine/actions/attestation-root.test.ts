/** root.add and root.remove through the state machine, with real CA certificates. */
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { issueCert } from "../../../../tests/support/attestation.js";
import { consortiumSteps, testMember } from "../../../../tests/support/consortium.js";
import { MemoryChain } from "../../../../tests/support/memory-chain.js";
import { testSigner } from "../../../../tests/support/signers.js";
import type { Signer } from "../../crypto/ed25519.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { readAttestationRoots } from "../../state/attestation-root.js";
import type { TxType } from "../../tx/tx-type.js";
import { MAX_ATTESTATION_ROOTS, parseRootAdd, rootAdd } from "./attestation-root.js";

const mfr = testSigner("mfr");
const mfr2 = testSigner("mfr2");
const sha = (pem: string) =>
  new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();

function chain(): MemoryChain {
  const c = MemoryChain.withRegulator();
  const MFR = testMember("mfr", "manufacturer");
  c.run(consortiumSteps([MFR, testMember("mfr2", "manufacturer")], [[MFR, "35000000"]]));
  return c;
}
const one = (c: MemoryChain, s: Signer, type: TxType, params: JsonObject) => {
  const [r] = c.block([c.tx(s, type, params)]);
  return r?.codeName;
};

test("a manufacturer adds a CA root (PEM or base64 DER) once, and removes it", () => {
  const c = chain();
  const root = issueCert({ subject: "/CN=Acme Root" });
  const second = issueCert({ subject: "/CN=Acme Root 2" });
  assert.equal(one(c, mfr, "root.add", { cert: root.pem }), "OK");
  const derB64 = Buffer.from(new X509Certificate(second.pem).raw).toString("base64");
  assert.equal(one(c, mfr, "root.add", { cert: derB64 }), "OK");
  assert.equal(one(c, mfr, "root.add", { cert: root.pem }), "ATTESTATION_ROOT_EXISTS");
  const roots = readAttestationRoots(c, "mfr");
  assert.deepEqual(
    roots.map((r) => [r.sha256, r.subject]),
    [
      [sha(root.pem), "CN=Acme Root"],
      [sha(second.pem), "CN=Acme Root 2"],
    ],
  );
  assert.deepEqual(readAttestationRoots(c, "mfr2"), []);
  // Another manufacturer's remove cannot touch them.
  assert.equal(one(c, mfr2, "root.remove", { sha256: sha(root.pem) }), "ATTESTATION_ROOT_UNKNOWN");
  assert.equal(one(c, mfr, "root.remove", { sha256: sha(root.pem) }), "OK");
  assert.deepEqual(
    readAttestationRoots(c, "mfr").map((r) => r.sha256),
    [sha(second.pem)],
  );
});

test("not a CA, expired at block time, malformed, or one too many: refused", () => {
  const c = chain();
  const root = issueCert({ subject: "/CN=Acme Root" });
  const leaf = issueCert({ subject: "/CN=Phone", issuer: root });
  assert.equal(one(c, mfr, "root.add", { cert: leaf.pem }), "ATTESTATION_ROOT_INVALID");
  const old = issueCert({ subject: "/CN=Old", from: "20100101000000Z", to: "20200101000000Z" });
  assert.equal(one(c, mfr, "root.add", { cert: old.pem }), "ATTESTATION_ROOT_INVALID");
  assert.equal(one(c, mfr, "root.add", { cert: "bm90IGEgY2VydA==" }), "ATTESTATION_ROOT_INVALID");
  assert.equal(one(c, mfr, "root.add", { cert: "x".repeat(9000) }), "ATTESTATION_ROOT_INVALID");
  assert.equal(one(c, mfr, "root.remove", { sha256: "AB" }), "TX_BAD_PARAMS");
  for (let i = 0; i < MAX_ATTESTATION_ROOTS; i++) {
    assert.equal(one(c, mfr, "root.add", { cert: issueCert({ subject: `/CN=R${i}` }).pem }), "OK");
  }
  assert.equal(one(c, mfr, "root.add", { cert: root.pem }), "ATTESTATION_ROOT_LIMIT");
});

test("tx add-attestation-root reads a PEM or a DER file into params the parser takes", async () => {
  const root = issueCert({ subject: "/CN=Acme Root" });
  const der = new Uint8Array(new X509Certificate(root.pem).raw);
  const files: Record<string, Uint8Array> = { "ca.pem": Buffer.from(root.pem), "ca.der": der };
  const io = {
    readFile: (path: string) => files[path] ?? assert.fail(path),
    readTextFile: () => assert.fail("text"),
    keyFileId: () => assert.fail("key"),
    chainId: async () => assert.fail("chain"),
    devicePrimaryKey: async () => assert.fail("device"),
  };
  for (const file of ["ca.pem", "ca.der"]) {
    const params = await rootAdd.cli.params({ cert: file }, io);
    assert.deepEqual(parseRootAdd(params).der, der, file);
  }
});
