import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { test } from "node:test";
import { fromHex, toBase64Url, utf8 } from "../encoding/bytes.js";
import { isError } from "../errors/devicechain-error.js";
import { deviceKeyFromKeyObject, parseDeviceKey, verifyDeviceSignature } from "./device-key.js";
import { signerFromSeed } from "./ed25519.js";

const hex = (s: string): Uint8Array => fromHex(s) ?? assert.fail("bad hex");

// RFC 6979 appendix A.2.5: the P-256 key, and the deterministic signature of "sample" with SHA-256.
const RFC6979_X = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
const RFC6979_Y = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
const RFC6979_SIG =
  "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716" +
  "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";

test("an RFC 6979 P-256 signature verifies under the uncompressed and the compressed key", () => {
  const uncompressed = parseDeviceKey(`p256:${toBase64Url(hex(`04${RFC6979_X}${RFC6979_Y}`))}`);
  // y ends in 0x99, odd: prefix 03.
  const compressed = parseDeviceKey(`p256:${toBase64Url(hex(`03${RFC6979_X}`))}`);
  assert.equal(uncompressed.kind, "p256");
  assert.equal(uncompressed.text, compressed.text, "stored in one (compressed) form");
  assert.ok(verifyDeviceSignature(compressed, utf8("sample"), hex(RFC6979_SIG)));
  assert.ok(!verifyDeviceSignature(compressed, utf8("samplf"), hex(RFC6979_SIG)));
});

test("a P-256 key verifies P1363 signatures from node:crypto and refuses DER and other keys", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key = deviceKeyFromKeyObject(publicKey);
  assert.equal(parseDeviceKey(key.text).text, key.text);
  const message = utf8("challenge");
  const p1363 = sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" });
  assert.ok(verifyDeviceSignature(key, message, p1363));
  const der = sign("sha256", message, { key: privateKey, dsaEncoding: "der" });
  assert.ok(!verifyDeviceSignature(key, message, der), "one encoding: P1363 only");
  const other = deviceKeyFromKeyObject(
    generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey,
  );
  assert.ok(!verifyDeviceSignature(other, message, p1363));
});

test("Ed25519 keys keep their bare key id; ed25519: is accepted and stored bare", () => {
  const signer = signerFromSeed(new Uint8Array(32).fill(5));
  const bare = parseDeviceKey(signer.keyId);
  assert.deepEqual(bare, { kind: "ed25519", text: signer.keyId });
  assert.deepEqual(parseDeviceKey(`ed25519:${signer.keyId}`), bare);
  const message = utf8("challenge");
  assert.ok(verifyDeviceSignature(bare, message, signer.sign(message)));
  assert.ok(!verifyDeviceSignature(bare, utf8("other"), signer.sign(message)));
  const jwk = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: signer.keyId },
    format: "jwk",
  });
  assert.deepEqual(deviceKeyFromKeyObject(jwk), bare);
});

test("anything else is DEVICE_KEY_INVALID", () => {
  const offCurve = `p256:${toBase64Url(hex(`04${RFC6979_X}${"00".repeat(32)}`))}`;
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey;
  for (const bad of [
    "",
    "abc",
    42,
    null,
    "p256:",
    offCurve,
    `p256:${toBase64Url(hex(`05${RFC6979_X}`))}`,
    `p384:${toBase64Url(hex(`03${RFC6979_X}`))}`,
    `ed25519:${"A".repeat(44)}`,
    `p256:${"A".repeat(200)}`,
  ]) {
    assert.throws(
      () => parseDeviceKey(bad),
      (e) => isError(e, "DEVICE_KEY_INVALID"),
      String(bad),
    );
  }
  assert.throws(
    () => deviceKeyFromKeyObject(p384),
    (e) => isError(e, "DEVICE_KEY_INVALID"),
  );
});
