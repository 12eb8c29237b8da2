import * as assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex, toBase64Url, toHex, utf8 } from "../encoding/bytes.js";
import { isKeyId, signerFromSeed, verifyEd25519 } from "./ed25519.js";
import { sha256 } from "./hash.js";

// RFC 8032 §7.1, TEST 1 and TEST 2: secret key (the seed), public key, message, signature.
const VECTORS = [
  {
    seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    pub: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    msg: "",
    sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    pub: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    msg: "72",
    sig: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
];

const bytes = (hex: string): Uint8Array => {
  const b = fromHex(hex);
  assert.ok(b);
  return b;
};

test("Ed25519 matches the RFC 8032 §7.1 test vectors", () => {
  for (const v of VECTORS) {
    const signer = signerFromSeed(bytes(v.seed));
    assert.equal(signer.keyId, toBase64Url(bytes(v.pub)));
    assert.equal(toHex(signer.sign(bytes(v.msg))), v.sig);
    assert.ok(verifyEd25519(signer.keyId, bytes(v.msg), bytes(v.sig)));
  }
});

test("a flipped bit in the message, signature or key fails verification", () => {
  const v = VECTORS[1]!;
  const signer = signerFromSeed(bytes(v.seed));
  const sig = bytes(v.sig);
  assert.equal(verifyEd25519(signer.keyId, Uint8Array.of(0x73), sig), false);
  const badSig = sig.slice();
  badSig[10] = (badSig[10] ?? 0) ^ 1;
  assert.equal(verifyEd25519(signer.keyId, bytes(v.msg), badSig), false);
  const other = signerFromSeed(bytes(VECTORS[0]!.seed));
  assert.equal(verifyEd25519(other.keyId, bytes(v.msg), sig), false);
  assert.equal(verifyEd25519("not-a-key", bytes(v.msg), sig), false);
});

test("key ids are 43 base64url characters", () => {
  const signer = signerFromSeed(bytes(VECTORS[0]!.seed));
  assert.equal(signer.keyId.length, 43);
  assert.ok(isKeyId(signer.keyId));
  assert.equal(isKeyId(`${signer.keyId}=`), false);
  assert.equal(isKeyId("short"), false);
});

test('SHA-256 matches FIPS 180-2 Appendix B.1 ("abc")', () => {
  assert.equal(
    toHex(sha256(utf8("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
