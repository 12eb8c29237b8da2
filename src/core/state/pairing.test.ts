/** Pairing hashes and the chain's salt (the answer per subscriber: core/check/equipment-check.test.ts). */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex } from "../encoding/bytes.js";
import { isError } from "../errors/devicechain-error.js";
import { defaultPairingSalt, pairingHash, pairingSaltOf } from "./pairing.js";

const ZERO_SALT = new Uint8Array(32);

// Vectors computed independently with Python's hashlib, from the definition in pairing.ts:
// sha256(b"devicechain/pairing/v1\0" + salt + b"\0" + key + b"\0" + canonical subscriber).
test("pairing hashes match independently computed vectors", () => {
  assert.equal(
    pairingHash(ZERO_SALT, "imei:35693803564380", "imsi-001010000000001"),
    "44a65fdc3b3da6555776a67bc96d99a3e5d256ba17dd2cf08c881179adcbfe41",
  );
  assert.equal(
    pairingHash(ZERO_SALT, "imei:35693803564380", "nai-alice@example.org"),
    "c066a74a7a63066e0750c8bb1ca42a461d5304f7b000ecac18fe28a385b763b8",
  );
  const salt = pairingSaltOf({ chainId: "devicechain-test", activeRegulators: 1 });
  assert.equal(
    pairingHash(salt, "imei:49015420323751", "imsi-001010000000001"),
    "e0514f8dbd4e8ea987404539ffa2e0f84098d6af31250dd08c1448d15359db08",
  );
});

test("the hash normalises the subscriber, and differs by salt, device and subscriber", () => {
  const key = "imei:35693803564380";
  const h = pairingHash(ZERO_SALT, key, "imsi-001010000000001");
  assert.equal(pairingHash(ZERO_SALT, key, "001010000000001"), h, "S13 User-Name");
  assert.equal(
    pairingHash(ZERO_SALT, key, "0001010000000001@wlan.mnc001.mcc001.3gppnetwork.org"),
    h,
    "EAP-AKA permanent identity over RADIUS",
  );
  assert.notEqual(pairingHash(ZERO_SALT, key, "001010000000002"), h);
  assert.notEqual(pairingHash(ZERO_SALT, "imei:35693803564381", "001010000000001"), h);
  const other = new Uint8Array(32).fill(1);
  assert.notEqual(pairingHash(other, key, "001010000000001"), h);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.throws(
    () => pairingHash(ZERO_SALT, key, ""),
    (e) => isError(e, "SUBSCRIBER_BAD_FORMAT"),
  );
});

test("the chain's salt: the genesis value if set, else derived from the chain id", () => {
  assert.equal(
    defaultPairingSalt("devicechain-test"),
    "acf1bb141ae99a7d102548d1fe7edcaf2bf2bfa90bae368ee81ed3be5d26b546",
  );
  assert.notEqual(defaultPairingSalt("devicechain-dev"), defaultPairingSalt("devicechain-test"));
  const set = "0f".repeat(32);
  assert.deepEqual(
    pairingSaltOf({ chainId: "c", activeRegulators: 1, pairingSalt: set }),
    fromHex(set),
  );
  assert.throws(
    () => pairingSaltOf({ chainId: "c", activeRegulators: 1, pairingSalt: "00" }),
    (e) => isError(e, "GENESIS_INVALID"),
  );
});
