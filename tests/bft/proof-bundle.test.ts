/**
 * Proof bundles from a node of a real 4-validator CometBFT v0.38 network (real processes on
 * loopback), fetched while writes commit: each is self-consistent. Header height+1 carries the
 * bundle's app hash, its validator set (four, as CometBFT orders them) hashes to the header's
 * validators_hash, its commit is for that header with one signature slot per validator, and every
 * entry verifies against the app hash. Set DEVICECHAIN_CAPTURE_BUNDLE=FILE to keep one bundle
 * (bench/proof-bench.ts measures proof_bytes with the commit of one captured this way).
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { appDir } from "../../src/clients/net/net-layout.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import type { CometCommitJson, ProofBundleJson } from "../../src/core/proof/proof-bundle.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { AccessStore } from "../../src/node/access-store/access-store.js";
import { checkCometBundle, verifyEntries } from "../support/bundle-checks.js";
import { signed, testSigner } from "../support/signers.js";
import { getJson, postTx, startTestNet, type TestNet } from "./test-net.js";

const imei = (i: number): string => {
  const d14 = `49015420${String(i).padStart(6, "0")}`;
  return d14 + String(luhnCheckDigit(d14));
};

describe("proof bundles from a 4-validator CometBFT network", { timeout: 150_000 }, () => {
  let net: TestNet;
  /** The network's devicechain genesis.json: what a client trusts to verify a bundle. */
  let genesis: unknown;
  /** An API key (scope proof) on each node: the readers ask more often than the public tier allows. */
  const apiKeys: string[] = [];
  const acme = testSigner("proof-bundle-acme");

  const submit = async (signer: Signer, type: TxType, params: JsonObject) => {
    const account = await getJson(`${net.url(0)}/v1/accounts/${signer.keyId}`);
    const nonce = account.body.nextNonce as number;
    const r = await postTx(net.url(0), signed(signer, nonce, type, params, net.chainId));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.code, 0, JSON.stringify(r.body));
    return r.body;
  };
  const bundleFrom = async (node: number, id: string, query = ""): Promise<ProofBundleJson> => {
    const r = await getJson(`${net.url(node)}/v1/devices/${id}/proof${query}`, 10_000, {
      authorization: `Bearer ${apiKeys[node]}`,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as unknown as ProofBundleJson;
  };

  before(async () => {
    net = await startTestNet({ validators: 4 });
    genesis = JSON.parse(readFileSync(path.join(net.dir, "genesis.json"), "utf8"));
    // Made in each running node's access store, as `devicechain access key create` does.
    for (const node of net.layout.nodes) {
      const store = AccessStore.open(appDir(net.dir, node.name));
      try {
        const now = Date.now();
        apiKeys.push(store.createKey({ org: "bft", plan: "business", scopes: ["proof"], now }).key);
      } finally {
        await store.close();
      }
    }
    const regulator = net.key("regulator");
    await submit(regulator, "member.admit", {
      id: "acme",
      role: "manufacturer",
      name: "Acme",
      key: acme.keyId,
    });
    await submit(regulator, "tac.allocate", {
      manufacturer: "acme",
      from: "49015420",
      to: "49015420",
    });
  });
  after(() => net?.close());

  test("right after a write commits, the bundle proves it, under header height+1", async () => {
    const committed = await submit(acme, "device.register", { devices: [{ ids: [imei(1)] }] });
    const b = await bundleFrom(0, imei(1));
    checkCometBundle(b, net.chainId, genesis);
    assert.ok(b.height >= (committed.height as number));
    assert.equal(b.commit.engine, "cometbft");
    assert.equal((b.commit as CometCommitJson).validators.length, 4);
    const [entry] = verifyEntries(b);
    assert.equal((entry!.value as { id: string }).id, `imei:${imei(1).slice(0, 14)}`);
    if (process.env.DEVICECHAIN_CAPTURE_BUNDLE) {
      writeFileSync(process.env.DEVICECHAIN_CAPTURE_BUNDLE, `${JSON.stringify(b, null, 2)}\n`);
    }
    // The height it proved is accepted back while the state is unchanged; height 1 is long gone.
    const again = await getJson(`${net.url(0)}/v1/devices/${imei(1)}/proof?height=1`);
    assert.equal(again.status, 409);
    const data = (again.body.error as { code: string; data: { available: number } }).data;
    assert.equal((again.body.error as { code: string }).code, "PROOF_HEIGHT_UNAVAILABLE");
    assert.ok(data.available >= b.height);
  });

  test("bundles fetched from another node while writes commit are each self-consistent", async () => {
    const WRITES = 12;
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 2; i < 2 + WRITES; i++) {
          await submit(acme, "device.register", { devices: [{ ids: [imei(i)] }] });
        }
      } finally {
        writing = false;
      }
    })();
    const bundles: ProofBundleJson[] = [];
    const reader = async (node: number): Promise<void> => {
      for (let i = 0; writing; i++) bundles.push(await bundleFrom(node, imei(2 + (i % WRITES))));
    };
    await Promise.all([writer, reader(1), reader(2), reader(3)]);
    const heights = new Set(bundles.map((b) => b.height));
    assert.ok(heights.size >= 4, `bundles spanned ${heights.size} heights`);
    for (const b of bundles) checkCometBundle(b, net.chainId, genesis);
    const present = bundles.filter((b) => verifyEntries(b)[0]!.value !== null);
    assert.ok(present.length > 0, "some bundles prove a device registered during the stream");
  });
});
