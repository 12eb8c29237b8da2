/**
 * The read service over a real LMDB: each lookup and its coded error, as the REST API and ABCI
 * Query both answer them.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Signer } from "../../core/crypto/ed25519.js";
import type { JsonObject } from "../../core/encoding/canonical-json.js";
import { isError } from "../../core/errors/devicechain-error.js";
import { luhnCheckDigit } from "../../core/identifiers/luhn.js";
import type { Genesis } from "../../core/machine/genesis.js";
import { TEST_CHAIN, testSigner } from "../../core/machine/memory-chain.test-fixture.js";
import { encodeTx, signTx } from "../../core/tx/transaction.js";
import type { TxType } from "../../core/tx/tx-type.js";
import { type CommittedBlock, LedgerApp } from "../application.js";
import type { LedgerReads } from "./ledger-reads.js";

const regulator = testSigner("reads-regulator");
const mfr = testSigner("reads-mfr");
const alice = testSigner("reads-alice");
const stranger = testSigner("reads-stranger");
const genesis: Genesis = {
  chainId: TEST_CHAIN,
  genesisTime: "2026-01-01T00:00:00Z",
  members: [{ id: "regulator", role: "regulator", name: "R", key: regulator.keyId }],
};
const T0 = Date.parse("2026-06-01T00:00:00Z");
const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const PHONE = imei("35000000000001");
const OTHER = imei("35000000000002");

function tx(signer: Signer, nonce: number, type: TxType, params: JsonObject): Uint8Array {
  return encodeTx(signTx(signer, { chain: TEST_CHAIN, signer: signer.keyId, nonce, type, params }));
}

const coded = (code: string) => (e: unknown) => isError(e) && e.code === code;

describe("LedgerReads", () => {
  let dir: string;
  let app: LedgerApp;
  let reads: LedgerReads;
  let block1: CommittedBlock;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dc-reads-"));
    app = LedgerApp.open(dir);
    app.initChain(genesis);
    reads = app.reads;
    const txs = [
      tx(regulator, 1, "member.admit", {
        id: "mfr",
        role: "manufacturer",
        name: "M",
        key: mfr.keyId,
      }),
      tx(regulator, 2, "tac.allocate", { manufacturer: "mfr", from: "35000000", to: "35000000" }),
      tx(mfr, 1, "device.register", {
        devices: [{ ids: [PHONE, "02:00:00:00:00:01"] }, { ids: [OTHER] }],
      }),
      tx(mfr, 2, "device.sell", { device: PHONE, owner: alice.keyId }),
      tx(alice, 1, "report.file", { device: PHONE, kind: "stolen" }),
    ];
    const { txResults } = app.finalizeBlock({ height: 1, time: T0, txs });
    assert.deepEqual(
      txResults.map((r) => r.codeName),
      ["OK", "OK", "OK", "OK", "OK"],
    );
    block1 = await app.commit();
  });

  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a device by any identifier, as a person types it; coded when absent or malformed", () => {
    assert.equal(reads.device(PHONE).id, "imei:35000000000001");
    assert.equal(reads.device("02-00-00-00-00-01").id, "imei:35000000000001");
    assert.throws(() => reads.device(imei("35000000000003")), coded("DEVICE_UNKNOWN"));
    assert.throws(() => reads.device(`${"35000000000003"}9`), coded("IMEI_BAD_CHECK_DIGIT"));
  });

  test("device pages in registry-key order, with where the next one starts", () => {
    const first = reads.devices(undefined, 1);
    assert.deepEqual(
      first.devices.map((d) => d.id),
      ["imei:35000000000001"],
    );
    assert.equal(first.next, "imei:35000000000001");
    const second = reads.devices(first.next, 10);
    assert.deepEqual(
      second.devices.map((d) => d.id),
      ["imei:35000000000002"],
    );
    assert.equal(second.next, undefined, "a page that is not full is the last");
  });

  test("members, one member, and MEMBER_UNKNOWN", () => {
    assert.deepEqual(
      reads.members().map((m) => m.id),
      ["mfr", "regulator"],
    );
    assert.equal(reads.member("mfr").role, "manufacturer");
    assert.throws(() => reads.member("nobody"), coded("MEMBER_UNKNOWN"));
  });

  test("an account with its next nonce counting the mempool; a bad key id is refused", () => {
    assert.deepEqual(reads.accountInfo(alice.keyId), {
      keyId: alice.keyId,
      account: `owner:${alice.keyId}`,
      role: "owner",
      lastNonce: 1,
      nextNonce: 2,
    });
    assert.equal(reads.account(mfr.keyId).member?.id, "mfr");
    const unknown = reads.accountInfo(stranger.keyId);
    assert.equal(unknown.role, "owner");
    assert.equal(unknown.nextNonce, 1);

    const waiting = tx(mfr, 3, "device.register", { devices: [{ ids: [imei("35000000000004")] }] });
    assert.equal(app.checkTx(waiting, { admit: true }).refusal, undefined);
    try {
      assert.equal(reads.accountInfo(mfr.keyId).lastNonce, 2);
      assert.equal(reads.accountInfo(mfr.keyId).nextNonce, 4, "after the one waiting here");
    } finally {
      app.mempool.reset();
    }
    assert.throws(() => reads.accountInfo("not-a-key"), coded("REQUEST_BAD_PARAMS"));
  });

  test("blocks by height, the latest, consecutive runs; NOT_FOUND past the top", () => {
    assert.equal(reads.last.height, 1);
    assert.equal(reads.latestBlock().hash, block1.block.hash);
    assert.equal(reads.block(1).hash, block1.block.hash);
    assert.equal(reads.block("1").hash, block1.block.hash, "a height as ABCI Query sends it");
    assert.deepEqual(
      reads.blocks(undefined, 20).map((b) => b.header.height),
      [0, 1],
    );
    assert.deepEqual(
      reads.blocks(1, 20).map((b) => b.header.height),
      [1],
    );
    assert.throws(() => reads.block(2), coded("NOT_FOUND"));
    assert.throws(() => reads.block("x"), coded("NOT_FOUND"));
  });

  test("a committed transaction, and NOT_FOUND for any other hash", () => {
    const hash = block1.block.txs[4] ?? "";
    assert.equal(reads.tx(hash).code, 0);
    assert.equal(reads.tx(hash).height, 1);
    assert.throws(() => reads.tx("00".repeat(32)), coded("NOT_FOUND"));
  });

  test("whether a key owns a device; the chain id; the validator set", () => {
    assert.equal(reads.ownsAnyDevice(alice.keyId), true);
    assert.equal(reads.ownsAnyDevice(stranger.keyId), false);
    assert.equal(reads.chainId, TEST_CHAIN);
    assert.deepEqual(reads.validators(), []);
  });

  test("a committed block's device.changed events carry every identifier of the device", () => {
    const events = reads.deviceChangedEvents(block1);
    const stolen = events.find((e) => e.event === "reported_stolen");
    assert.ok(stolen, "the report is an event");
    assert.equal(stolen.device, "imei:35000000000001");
    assert.deepEqual(stolen.ids, ["imei:35000000000001", "mac:020000000001"]);
    assert.ok(stolen.id.startsWith("1:4:"), "height, transaction index, event index");
    assert.equal(stolen.status, "BLACKLISTED");
  });
});
