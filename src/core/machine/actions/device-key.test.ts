/** Device keys through the state machine: device.register with either kind, devicekey.set. */
import * as assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { consortiumSteps, testMember } from "../../../../tests/support/consortium.js";
import { MemoryChain } from "../../../../tests/support/memory-chain.js";
import { testSigner } from "../../../../tests/support/signers.js";
import { deviceKeyFromKeyObject } from "../../crypto/device-key.js";
import type { Signer } from "../../crypto/ed25519.js";
import { fromBase64Url, toBase64Url } from "../../encoding/bytes.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { luhnCheckDigit } from "../../identifiers/luhn.js";
import { readDevice } from "../../state/device.js";
import type { TxType } from "../../tx/tx-type.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const PHONE = imei("35000000000001");
const PHONE_KEY = "imei:35000000000001";
const mfr = testSigner("mfr");
const mfr2 = testSigner("mfr2");
const alice = testSigner("alice");
const p256 = () =>
  deviceKeyFromKeyObject(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey);

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
const keyOf = (c: MemoryChain) => readDevice(c, PHONE_KEY)?.deviceKey;

test("device.register records a P-256 key in its compressed text, and a bare Ed25519 id as is", () => {
  const key = p256();
  const c = chain();
  // Uncompressed on the wire: the ledger stores the one compressed text.
  const point = fromBase64Url(key.text.slice("p256:".length));
  assert.ok(point);
  const jwkY = (key.kind === "p256" && key.key.export({ format: "jwk" }).y) || "";
  const uncompressed = `p256:${toBase64Url(
    Uint8Array.from([0x04, ...point.subarray(1), ...(fromBase64Url(jwkY) ?? [])]),
  )}`;
  const second = imei("35000000000002");
  assert.equal(
    one(c, mfr, "device.register", {
      devices: [
        { ids: [PHONE], key: uncompressed },
        { ids: [second], key: alice.keyId },
      ],
    }),
    "OK",
  );
  assert.equal(keyOf(c), key.text);
  assert.equal(readDevice(c, "imei:35000000000002")?.deviceKey, alice.keyId);
});

test("device.register refuses a malformed key, naming the row and DEVICE_KEY_INVALID", () => {
  const c = chain();
  const [r] = c.block([
    c.tx(mfr, "device.register", { devices: [{ ids: [PHONE], key: "p256:AAAA" }] }),
  ]);
  assert.equal(r?.codeName, "TX_BAD_PARAMS");
  assert.match(r?.log ?? "", /DEVICE_KEY_INVALID|row/);
  assert.equal(readDevice(c, PHONE_KEY), undefined);
});

test("devicekey.set: its manufacturer sets, then replaces, the key; history says key_set", () => {
  const c = chain();
  c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
  c.must(c.tx(mfr, "device.sell", { device: PHONE, owner: alice.keyId }));
  const first = p256();
  assert.equal(one(c, mfr, "devicekey.set", { device: PHONE, key: first.text }), "OK");
  assert.equal(keyOf(c), first.text);
  assert.equal(
    one(c, mfr, "devicekey.set", { device: PHONE, key: first.text }),
    "DEVICE_KEY_UNCHANGED",
  );
  const ed = testSigner("secure-element");
  assert.equal(one(c, mfr, "devicekey.set", { device: PHONE, key: `ed25519:${ed.keyId}` }), "OK");
  assert.equal(keyOf(c), ed.keyId);
  const events = readDevice(c, PHONE_KEY)?.history.map((h) => h.event);
  assert.deepEqual(events?.slice(-2), ["key_set", "key_set"]);
});

test("device.key.set is refused to another manufacturer, the owner, a bad key, a scrapped device", () => {
  const c = chain();
  c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
  const key = p256().text;
  assert.equal(one(c, mfr2, "devicekey.set", { device: PHONE, key }), "ROLE_FORBIDDEN");
  assert.equal(
    one(c, mfr, "devicekey.set", { device: PHONE, key: "p256:xyz" }),
    "DEVICE_KEY_INVALID",
  );
  assert.equal(
    one(c, mfr, "devicekey.set", { device: imei("35000000000009"), key }),
    "DEVICE_UNKNOWN",
  );
  c.must(c.tx(mfr, "device.sell", { device: PHONE, owner: alice.keyId }));
  assert.equal(one(c, alice, "devicekey.set", { device: PHONE, key }), "ROLE_FORBIDDEN");
  c.must(c.tx(alice, "device.scrap", { device: PHONE }));
  assert.equal(one(c, mfr, "devicekey.set", { device: PHONE, key }), "DEVICE_SCRAPPED");
  assert.equal(keyOf(c), undefined);
});
