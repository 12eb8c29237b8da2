/**
 * Proof bundles over real HTTP from a real node (LMDB, the embedded engine signing headers with
 * node.key): a device by its primary IMEI and by its MAC alias, an unknown IMEI's absence, and
 * atomicity: bundles fetched while a stream of blocks commits are each self-consistent (every
 * entry reaches the bundle's app hash, and the node-signed header of its height carries it).
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProofBundleJson } from "../../src/core/proof/proof-bundle.js";
import { checkEmbeddedBundle, verifyEntries } from "../support/bundle-checks.js";
import { ACME, examplePhoneSteps, STOLEN_PHONE, STOLEN_PHONE_MAC } from "../support/consortium.js";
import { type E2eNode, http, startE2eNode } from "./e2e-node.js";

// Serials of EXAMPLE_TAC that examplePhoneSteps leaves free, with their Luhn check digits.
const fresh = (i: number): string => {
  const d14 = `4901542050${String(i).padStart(4, "0")}`;
  let sum = 0;
  for (let k = 0; k < 14; k++) {
    let d = Number(d14[k]);
    if (k % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return d14 + String((10 - (sum % 10)) % 10);
};

describe("GET /v1/devices/{id}/proof on a running node", () => {
  let n: E2eNode;
  let nodeKey: string;
  /** Scope proof: the readers below ask more often than the public tier's 20 a minute. */
  let apiKey: string;
  const fetchBundle = async (id: string): Promise<ProofBundleJson> => {
    const r = await http(`${n.url}/v1/devices/${encodeURIComponent(id)}/proof`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as unknown as ProofBundleJson;
  };

  before(async () => {
    n = await startE2eNode();
    apiKey = n.node.access.createKey({
      org: "e2e",
      plan: "business",
      scopes: ["proof"],
      now: Date.now(),
    }).key;
    await n.run(examplePhoneSteps());
    nodeKey = (await http(`${n.url}/v1/webhooks/signing-key`)).body.keyId as string;
  });
  after(async () => {
    await n.stop();
  });

  test("a device by IMEI and by MAC, and an unknown IMEI's absence, verify against node.key", async () => {
    const byImei = await fetchBundle(STOLEN_PHONE);
    checkEmbeddedBundle(byImei, [nodeKey]);
    assert.deepEqual(
      verifyEntries(byImei).map((e) => e.key),
      ["device/imei:49015420323751"],
    );
    const byMac = await fetchBundle(STOLEN_PHONE_MAC);
    checkEmbeddedBundle(byMac, [nodeKey]);
    assert.deepEqual(
      verifyEntries(byMac).map((e) => e.key),
      ["alias/mac:AABBCCDDEE01", "device/imei:49015420323751"],
    );
    const absent = await fetchBundle(fresh(9999));
    checkEmbeddedBundle(absent, [nodeKey]);
    assert.deepEqual(
      verifyEntries(absent).map((e) => e.value),
      [null, null],
    );
    // A bundle is not signed by just any key: only the node's verifies.
    assert.throws(() => checkEmbeddedBundle(byImei, [ACME.signer.keyId]));
  });

  test("bundles fetched while blocks commit are each self-consistent", async () => {
    const WRITES = 30;
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; i < WRITES; i++) {
          await n.submit(ACME.signer, "device.register", { devices: [{ ids: [fresh(i)] }] });
        }
      } finally {
        writing = false;
      }
    })();
    const bundles: ProofBundleJson[] = [];
    const reader = async (k: number): Promise<void> => {
      for (let i = 0; writing; i++) {
        // The stolen phone, and a device that is being registered around now (present or absent).
        const id = i % 2 === 0 ? STOLEN_PHONE : fresh((i + k) % WRITES);
        bundles.push(await fetchBundle(id));
      }
    };
    await Promise.all([writer, reader(0), reader(1), reader(2), reader(3)]);
    const heights = new Set(bundles.map((b) => b.height));
    assert.ok(heights.size >= 10, `bundles spanned ${heights.size} heights`);
    for (const b of bundles) checkEmbeddedBundle(b, [nodeKey]);
    const last = await fetchBundle(fresh(WRITES - 1));
    assert.notEqual(verifyEntries(last)[0]!.value, null, "the last device registered is proved");
  });
});
