/**
 * Device attestation over a real ledger, behind the real access plugin (public tier): challenges,
 * then answers signed with real Ed25519 and P-256 device keys, from the ledger or a certificate
 * chain; a clone without the key fails where the genuine device passes. One round trip is over a
 * real socket.
 */
import * as assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, sign, X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { issueCert } from "../../../tests/support/attestation.js";
import { ACME, examplePhoneSteps } from "../../../tests/support/consortium.js";
import { codeOf, type HttpApp, startHttpApp } from "../../../tests/support/http-app.js";
import { TEST_CHAIN, testSeed } from "../../../tests/support/signers.js";
import {
  type AttestationStatement,
  attestationSigningBytes,
} from "../../core/check/device-attestation.js";
import { deviceKeyFromKeyObject } from "../../core/crypto/device-key.js";
import { signerFromSeed } from "../../core/crypto/ed25519.js";
import { luhnCheckDigit } from "../../core/identifiers/luhn.js";
import { DEFAULT_ACCESS } from "../access/access-plans.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const P256_PHONE = imei("49015420000011");
const ED_PHONE = imei("49015420000012");
const CERT_PHONE = imei("49015420000013");
const KEYLESS_PHONE = imei("49015420000014");

const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const edDevice = signerFromSeed(testSeed("device-ed"));
// As a device signs (clients/agent/attestation.ts, which servers may not import): P1363 for P-256.
type DeviceSign = (message: Uint8Array) => Uint8Array;
const deviceSignFor = (key: KeyObject): DeviceSign =>
  key.asymmetricKeyType === "ed25519"
    ? (m) => new Uint8Array(sign(null, m, key))
    : (m) => new Uint8Array(sign("sha256", m, { key, dsaEncoding: "ieee-p1363" }));
const answerChallenge = (signWith: DeviceSign, s: AttestationStatement): string =>
  Buffer.from(signWith(attestationSigningBytes(s))).toString("base64url");
const signP256 = deviceSignFor(p256.privateKey);
const signEd: DeviceSign = (m) => edDevice.sign(m);
const root = issueCert({ subject: "/CN=Acme Device Root" });
const leaf = issueCert({ subject: `/CN=Phone/serialNumber=${CERT_PHONE}`, issuer: root });
// Roots consensus accepts without parsing them (bytes that are no certificate, an expired CA):
// they are judged here, at attestation, and verify nothing.
const GARBAGE_ROOT = Buffer.from("not a certificate").toString("base64");
const oldRoot = issueCert({
  subject: "/CN=Old Root",
  from: "20100101000000Z",
  to: "20200101000000Z",
});
const oldLeaf = issueCert({ subject: `/serialNumber=${CERT_PHONE}`, issuer: oldRoot });

describe("device attestation: challenges and answers", () => {
  let t: HttpApp;
  before(async () => {
    t = await startHttpApp({ access: { ...DEFAULT_ACCESS, publicTier: { ratePerMinute: 500 } } });
    await t.run(examplePhoneSteps());
    await t.submit(ACME.signer, "device.register", {
      devices: [
        { ids: [P256_PHONE], key: deviceKeyFromKeyObject(p256.publicKey).text },
        { ids: [ED_PHONE], key: edDevice.keyId },
        { ids: [CERT_PHONE] },
        { ids: [KEYLESS_PHONE] },
      ],
    });
    await t.submit(ACME.signer, "root.add", { cert: GARBAGE_ROOT });
    await t.submit(ACME.signer, "root.add", { cert: root.der });
    await t.submit(ACME.signer, "root.add", { cert: oldRoot.der });
  });
  after(async () => {
    await t.close();
  });

  const post = (url: string, body: unknown) =>
    t.request(url, { method: "POST", body: JSON.stringify(body) });
  const challenge = async (device: string, purpose = "resale") => {
    const r = await post(`/v1/devices/${device}/challenges`, { purpose });
    assert.equal(r.status, 200, r.text);
    return r.body as { challenge: string; device: string; purpose: string; chain: string };
  };
  const answer = async (device: string, signWith: DeviceSign, extra: object = {}) => {
    const c = await challenge(device);
    const signature = answerChallenge(signWith, c);
    return post(`/v1/devices/${device}/attestations`, {
      challenge: c.challenge,
      signature,
      ...extra,
    });
  };

  test("a challenge is 32 bytes bound to the device's primary key, the purpose and the chain", async () => {
    const c = await challenge(P256_PHONE, "pairing");
    assert.equal(Buffer.from(c.challenge, "base64url").length, 32);
    assert.deepEqual(
      [c.device, c.purpose, c.chain],
      [`imei:${P256_PHONE.slice(0, 14)}`, "pairing", TEST_CHAIN],
    );
    const bad = await post(`/v1/devices/${P256_PHONE}/challenges`, { purpose: "Not Valid!" });
    assert.equal(codeOf(bad), "ATTESTATION_PURPOSE_INVALID");
    assert.equal(
      codeOf(await post(`/v1/devices/${imei("49015420000099")}/challenges`, { purpose: "x" })),
      "DEVICE_UNKNOWN",
    );
  });

  test("the genuine device passes with P-256 and with Ed25519; a clone without the key fails", async () => {
    const r = await answer(P256_PHONE, signP256);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result, "genuine");
    assert.equal(r.body.via, "ledger");
    assert.equal((await answer(ED_PHONE, signEd)).body.result, "genuine");
    const clone = deviceSignFor(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
    assert.equal(codeOf(await answer(P256_PHONE, clone)), "ATTESTATION_BAD_SIGNATURE");
    // The right key over another device's statement is no answer either.
    const c = await challenge(ED_PHONE);
    const signature = answerChallenge(signEd, { ...c, device: "imei:49015420000011" });
    const wrong = await post(`/v1/devices/${ED_PHONE}/attestations`, {
      challenge: c.challenge,
      signature,
    });
    assert.equal(codeOf(wrong), "ATTESTATION_BAD_SIGNATURE");
    assert.equal(codeOf(await answer(KEYLESS_PHONE, signEd)), "DEVICE_NO_KEY");
  });

  test("a challenge is single-use, bound to its device, and unknown if never issued", async () => {
    const c = await challenge(P256_PHONE);
    const body = { challenge: c.challenge, signature: answerChallenge(signP256, c) };
    assert.equal(
      codeOf(await post(`/v1/devices/${ED_PHONE}/attestations`, body)),
      "CHALLENGE_UNKNOWN",
    );
    assert.equal((await post(`/v1/devices/${P256_PHONE}/attestations`, body)).status, 200);
    assert.equal(
      codeOf(await post(`/v1/devices/${P256_PHONE}/attestations`, body)),
      "CHALLENGE_USED",
    );
    const never = { ...body, challenge: Buffer.alloc(32, 1).toString("base64url") };
    assert.equal(
      codeOf(await post(`/v1/devices/${P256_PHONE}/attestations`, never)),
      "CHALLENGE_UNKNOWN",
    );
  });

  test("a device with no key on the ledger proves itself with a chain to its maker's root", async () => {
    const signLeaf = deviceSignFor(leaf.privateKey);
    const r = await answer(CERT_PHONE, signLeaf, { certificates: [leaf.pem] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.via, "certificate");
    assert.equal(r.body.key, deviceKeyFromKeyObject(new X509Certificate(leaf.pem).publicKey).text);
    // A chain from a CA the manufacturer never registered, though it names the device.
    const rogue = issueCert({ subject: "/CN=Acme Device Root" });
    const fake = issueCert({ subject: `/serialNumber=${CERT_PHONE}`, issuer: rogue });
    const untrusted = await answer(CERT_PHONE, deviceSignFor(fake.privateKey), {
      certificates: [fake.pem],
    });
    assert.equal(codeOf(untrusted), "ATTESTATION_CHAIN_UNTRUSTED");
    // A chain to a registered root that has expired, beside one that is no certificate at all.
    const expired = await answer(CERT_PHONE, deviceSignFor(oldLeaf.privateKey), {
      certificates: [oldLeaf.pem],
    });
    assert.equal(codeOf(expired), "ATTESTATION_CHAIN_UNTRUSTED");
    // The genuine certificate presented by a clone that does not hold its key.
    assert.equal(
      codeOf(await answer(CERT_PHONE, signP256, { certificates: [leaf.pem] })),
      "ATTESTATION_BAD_SIGNATURE",
    );
    // The genuine leaf presented for another device.
    assert.equal(
      codeOf(await answer(KEYLESS_PHONE, signLeaf, { certificates: [leaf.pem] })),
      "ATTESTATION_CHAIN_WRONG_DEVICE",
    );
  });

  test("over a real socket: challenge, then a P-256 answer", async () => {
    const address = await t.fastify.listen({ port: 0, host: "127.0.0.1" });
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${address}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      return (await res.json()) as Record<string, string>;
    };
    const c = await call(`/v1/devices/${P256_PHONE}/challenges`, { purpose: "repair" });
    const r = await call(`/v1/devices/${P256_PHONE}/attestations`, {
      challenge: c.challenge,
      signature: answerChallenge(signP256, c as never),
    });
    assert.equal(r.result, "genuine");
  });
});
