/**
 * The ledger under a real CometBFT v0.38 (one validator, real processes on loopback): a
 * transaction submitted over REST is broadcast, committed and answered with the embedded
 * engine's reply shape; refusals stay coded; reads work through REST and ABCI Query.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signerFromSeed } from "../../src/core/crypto/ed25519.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import { generateSeed } from "../../src/node/key-file.js";
import { getJson, postTx, startTestNet, type TestNet } from "../bft/test-net.js";
import { signed } from "../support/signers.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));

describe("one validator under CometBFT", { timeout: 240_000 }, () => {
  let net: TestNet;
  before(async () => {
    net = await startTestNet({ validators: 1 });
  });
  after(() => net?.close());

  test("REST submissions commit through CometBFT with the embedded engine's reply", async () => {
    const url = net.url(0);
    const regulator = net.key("regulator");
    const acme = signerFromSeed(generateSeed());
    const status = await getJson(`${url}/v1/status`);
    assert.equal(status.body.engine, "cometbft");
    assert.equal(status.body.chainId, net.chainId);

    const tx = (
      signer: typeof regulator,
      nonce: number,
      type: Parameters<typeof signed>[2],
      params: Parameters<typeof signed>[3],
    ) => signed(signer, nonce, type, params, net.chainId);
    const admitted = await postTx(
      url,
      tx(regulator, 1, "member.admit", {
        id: "acme",
        role: "manufacturer",
        name: "Acme",
        key: acme.keyId,
      }),
    );
    assert.equal(admitted.status, 200, JSON.stringify(admitted.body));
    assert.deepEqual(Object.keys(admitted.body).sort(), [
      "code",
      "codeName",
      "events",
      "hash",
      "height",
      "index",
      "log",
    ]);
    assert.equal(admitted.body.code, 0);
    assert.ok((admitted.body.height as number) >= 1);

    const device = imei("49015420323751");
    for (const [signer, nonce, type, params] of [
      [regulator, 2, "tac.allocate", { manufacturer: "acme", from: "49015420", to: "49015420" }],
      [acme, 1, "device.register", { devices: [{ ids: [device] }] }],
      [regulator, 3, "device.block", { device, reason: "fraud" }],
    ] as const) {
      const r = await postTx(url, tx(signer, nonce, type, params));
      assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.body)}`);
    }
    const eir = await getJson(`${url}/n5g-eir-eic/v1/equipment-status?pei=imei-${device}`);
    assert.equal(eir.body.status, "BLACKLISTED");

    // Refused by CheckTx: the same coded error, at once, and nothing committed.
    const replay = await postTx(url, tx(regulator, 3, "device.unblock", { device }));
    assert.equal((replay.body.error as { code: string }).code, "TX_NONCE_REPLAYED");

    // The committed transaction is in the ledger's index, and the chain's app hash agrees
    // with the app hash CometBFT recorded in the next header.
    const record = await getJson(`${url}/v1/txs/${admitted.body.hash as string}`);
    assert.equal(record.body.height, admitted.body.height);

    // ABCI Query through CometBFT's RPC reaches the same reads.
    const rpc = `http://127.0.0.1:${net.node(0).ports.rpc}`;
    const q = await getJson(
      `${rpc}/abci_query?path=${encodeURIComponent('"equipment-status"')}&data=0x${Buffer.from(`imei-${device}`).toString("hex")}`,
    );
    const resp = (q.body.result as { response: { code: number; value: string } }).response;
    assert.equal(resp.code ?? 0, 0);
    assert.deepEqual(JSON.parse(Buffer.from(resp.value, "base64").toString()), {
      status: "BLACKLISTED",
    });
  });

  test("the app hash CometBFT records in each header is the ledger's", async () => {
    const rpc = `http://127.0.0.1:${net.node(0).ports.rpc}`;
    const st = await getJson(`${net.url(0)}/v1/status`);
    const h = st.body.height as number;
    // Header h+1 carries the app hash after block h.
    let header: { app_hash: string } | undefined;
    for (let i = 0; i < 100 && !header; i++) {
      const r = await getJson(`${rpc}/block?height=${h + 1}`).catch(() => undefined);
      header = (r?.body.result as { block?: { header: { app_hash: string } } } | undefined)?.block
        ?.header;
      if (!header) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(header, "no next block");
    const block = await getJson(`${net.url(0)}/v1/blocks/${h}`);
    assert.equal(header.app_hash.toLowerCase(), (block.body.header as { appHash: string }).appHash);
  });
});
