/** Attestation chains: real certificates issued by openssl (tests/support/attestation.ts). */
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import { issueCert } from "../../../tests/support/attestation.js";
import { isError } from "../errors/devicechain-error.js";
import { certificateText, verifyAttestationChain } from "./attestation-chain.js";
import { deviceKeyFromKeyObject } from "./device-key.js";

const DEVICE_IDS = ["imei:49015420323751"];
const NOW = Date.parse("2026-06-01T00:00:00Z");
const root = issueCert({ subject: "/CN=Acme Device Root" });
const intermediate = issueCert({ subject: "/CN=Acme Factory CA", issuer: root, ca: true });
const leaf = issueCert({ subject: "/CN=Phone/serialNumber=490154203237518", issuer: intermediate });
const der = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);
const ROOTS = [certificateText(der(root.pem))];
const check = (
  chain: unknown,
  over: Partial<{ roots: string[]; now: number; ids: string[] }> = {},
) =>
  verifyAttestationChain({
    chain,
    deviceIds: over.ids ?? DEVICE_IDS,
    roots: over.roots ?? ROOTS,
    now: over.now ?? NOW,
  });
const refusal = (chain: unknown, code: string, over = {}) =>
  assert.throws(
    () => check(chain, over),
    (e) => isError(e, code as never),
    code,
  );

test("a P-256 leaf through an intermediate to a registered root gives the leaf's key", () => {
  const key = check([leaf.pem, intermediate.pem]);
  assert.equal(key.text, deviceKeyFromKeyObject(new X509Certificate(leaf.pem).publicKey).text);
  assert.equal(key.kind, "p256");
  // base64 DER works as well as PEM, and the root itself may close the chain.
  assert.equal(check([certificateText(der(leaf.pem)), intermediate.pem, root.pem]).text, key.text);
});

test("an Ed25519 leaf issued straight by the root, named by its IMEI key form", () => {
  const ed = issueCert({
    subject: "/serialNumber=imei:49015420323751",
    issuer: root,
    keyType: "ed25519",
  });
  assert.equal(check([ed.pem]).kind, "ed25519");
});

test("a chain to another manufacturer's root, or to no registered root, is UNTRUSTED", () => {
  const other = issueCert({ subject: "/CN=Acme Device Root" }); // same name, other key
  const forged = issueCert({ subject: "/CN=Phone/serialNumber=490154203237518", issuer: other });
  refusal([forged.pem], "ATTESTATION_CHAIN_UNTRUSTED");
  refusal([leaf.pem, intermediate.pem], "ATTESTATION_CHAIN_UNTRUSTED", { roots: [] });
});

test("a tampered or broken chain is INVALID", () => {
  const bytes = der(leaf.pem);
  // Flip a bit inside the signed part (the subject's CN): the signature no longer verifies.
  const tampered = Uint8Array.from(bytes);
  const at = Buffer.from(tampered).indexOf("Phone");
  tampered[at] = (tampered[at] ?? 0) ^ 0x01;
  refusal([certificateText(tampered), intermediate.pem], "ATTESTATION_CHAIN_INVALID");
  refusal([leaf.pem], "ATTESTATION_CHAIN_UNTRUSTED"); // its issuer missing: root did not sign it
  refusal([intermediate.pem, leaf.pem], "ATTESTATION_CHAIN_INVALID"); // wrong order
  // A leaf (not a CA) cannot issue.
  const byLeaf = issueCert({ subject: "/serialNumber=490154203237518", issuer: leaf });
  refusal([byLeaf.pem, leaf.pem, intermediate.pem], "ATTESTATION_CHAIN_INVALID");
  refusal([], "ATTESTATION_CHAIN_INVALID");
  refusal("not an array", "ATTESTATION_CHAIN_INVALID");
  refusal(
    ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"],
    "ATTESTATION_CHAIN_INVALID",
  );
  refusal(Array(5).fill(leaf.pem), "ATTESTATION_CHAIN_INVALID");
  refusal(["A".repeat(9000)], "ATTESTATION_CHAIN_INVALID");
});

test("validity is checked against the explicit now", () => {
  const expired = issueCert({
    subject: "/serialNumber=490154203237518",
    issuer: root,
    from: "20200101000000Z",
    to: "20250101000000Z",
  });
  refusal([expired.pem], "ATTESTATION_CHAIN_INVALID");
  assert.equal(check([expired.pem], { now: Date.parse("2024-01-01T00:00:00Z") }).kind, "p256");
});

test("a registered root that does not parse, is not a CA or is expired verifies no chain", () => {
  // root.add stores any base64 (consensus never parses X.509): here is where it is judged.
  const garbage = certificateText(new TextEncoder().encode("not a cert"));
  const truncated = certificateText(der(root.pem).subarray(0, 100));
  const direct = issueCert({ subject: "/serialNumber=490154203237518", issuer: root });
  for (const bad of [garbage, truncated]) {
    refusal([direct.pem], "ATTESTATION_CHAIN_UNTRUSTED", { roots: [bad] });
  }
  // A bad root does not spoil the manufacturer's good one.
  assert.equal(check([direct.pem], { roots: [garbage, truncated, ...ROOTS] }).kind, "p256");
  // A leaf registered as a root issues nothing, even when the chain ends in it.
  const leafAsRoot = [certificateText(der(direct.pem))];
  refusal([direct.pem], "ATTESTATION_CHAIN_UNTRUSTED", { roots: leafAsRoot });
  // An expired root, at the verifier's now; valid at an earlier now.
  const oldRoot = issueCert({
    subject: "/CN=Old Root",
    from: "20100101000000Z",
    to: "20250101000000Z",
  });
  const oldLeaf = issueCert({
    subject: "/serialNumber=490154203237518",
    issuer: oldRoot,
    from: "20100101000000Z",
    to: "20300101000000Z",
  });
  const oldRoots = [oldRoot.der];
  refusal([oldLeaf.pem], "ATTESTATION_CHAIN_UNTRUSTED", { roots: oldRoots });
  const then = Date.parse("2024-01-01T00:00:00Z");
  assert.equal(check([oldLeaf.pem], { roots: oldRoots, now: then }).kind, "p256");
});

test("a leaf that names another device, or none, is WRONG_DEVICE", () => {
  const otherPhone = issueCert({ subject: "/serialNumber=353456789012348", issuer: root });
  refusal([otherPhone.pem], "ATTESTATION_CHAIN_WRONG_DEVICE");
  const unnamed = issueCert({ subject: "/CN=490154203237518", issuer: root });
  refusal([unnamed.pem], "ATTESTATION_CHAIN_WRONG_DEVICE");
});
