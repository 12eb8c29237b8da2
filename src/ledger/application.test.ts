/**
 * The ledger application over a real LMDB: genesis, the finalize/commit split, the transaction
 * index, hash-linked blocks, mempool admission, and what survives a reopen.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, test } from "node:test";
import { open } from "lmdb";
import type { Signer } from "../core/crypto/ed25519.js";
import { sha256 } from "../core/crypto/hash.js";
import { toHex, utf8 } from "../core/encoding/bytes.js";
import type { JsonObject } from "../core/encoding/canonical-json.js";
import { isError } from "../core/errors/devicechain-error.js";
import { luhnCheckDigit } from "../core/identifiers/luhn.js";
import type { Genesis } from "../core/machine/genesis.js";
import { TEST_CHAIN, testSigner } from "../core/machine/memory-chain.test-fixture.js";
import { blockHash, txRoot } from "../core/proof/block-header.js";
import { readMember } from "../core/state/member.js";
import { encodeTx, signTx } from "../core/tx/transaction.js";
import type { TxType } from "../core/tx/tx-type.js";
import { type CommittedBlock, LedgerApp } from "./application.js";
import { GENESIS_PREV_HASH } from "./block.js";

const regulator = testSigner("regulator");
const genesis: Genesis = {
  chainId: TEST_CHAIN,
  genesisTime: "2026-01-01T00:00:00Z",
  members: [{ id: "regulator", role: "regulator", name: "R", key: regulator.keyId }],
};
const T0 = Date.parse("2026-06-01T00:00:00Z");

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "dc-app-"));
  dirs.push(d);
  return d;
}

function tx(
  signer: Signer,
  nonce: number,
  type: TxType,
  params: JsonObject,
  chain = TEST_CHAIN,
): Uint8Array {
  return encodeTx(signTx(signer, { chain, signer: signer.keyId, nonce, type, params }));
}
const admit = (nonce: number, id = `m-${nonce}`, signer = regulator): Uint8Array =>
  tx(signer, nonce, "member.admit", {
    id,
    role: "operator",
    name: id,
    key: testSigner(id).keyId,
  });

async function withApp(body: (app: LedgerApp, dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const app = LedgerApp.open(dir);
  try {
    app.initChain(genesis);
    await body(app, dir);
  } finally {
    await app.close();
  }
}

describe("genesis", () => {
  test("block 0 is written once; the same genesis again is a no-op, another is refused", async () => {
    const dir = tempDir();
    const app = LedgerApp.open(dir);
    assert.equal(app.store.initialized, false);
    const { appHash } = app.initChain(genesis);
    const b0 = app.getBlock(0);
    assert.ok(b0);
    assert.equal(b0.header.height, 0);
    assert.equal(b0.header.prevHash, GENESIS_PREV_HASH);
    assert.equal(b0.header.appHash, appHash);
    assert.equal(b0.header.time, Date.parse(genesis.genesisTime));
    assert.equal(b0.hash, blockHash(b0.header));
    assert.deepEqual(app.info(), {
      lastBlockHeight: 0,
      lastBlockAppHash: appHash,
      lastBlockTime: Date.parse(genesis.genesisTime),
    });
    assert.equal(app.chainId, TEST_CHAIN);
    assert.equal(readMember(app.store, "regulator")?.key, regulator.keyId);
    assert.deepEqual(app.initChain(genesis), { appHash });
    assert.throws(
      () => app.initChain({ ...genesis, chainId: "another-chain" }),
      (e) => isError(e, "GENESIS_INVALID"),
    );
    await app.close();
  });

  test("two nodes given the same genesis agree on block 0, byte for byte", async () => {
    const a = LedgerApp.open(tempDir());
    const b = LedgerApp.open(tempDir());
    a.initChain(genesis);
    b.initChain(genesis);
    assert.deepEqual(a.getBlock(0), b.getBlock(0));
    await a.close();
    await b.close();
  });

  test("a genesis member that does not parse is refused with GENESIS_INVALID", async () => {
    const app = LedgerApp.open(tempDir());
    assert.throws(
      () =>
        app.initChain({
          ...genesis,
          members: [{ id: "regulator", role: "regulator", name: "R", key: "not-a-key" }],
        }),
      (e) => isError(e, "GENESIS_INVALID"),
    );
    assert.equal(app.store.initialized, false, "nothing was written");
    await app.close();
  });
});

describe("finalize and commit", () => {
  test("finalizeBlock computes but persists nothing; commit persists and announces", async () => {
    await withApp(async (app) => {
      const before = app.info();
      const announced: CommittedBlock[] = [];
      app.on("commit", (c) => announced.push(c));
      const { txResults, appHash } = app.finalizeBlock({
        height: 1,
        time: T0,
        txs: [admit(1), admit(2)],
      });
      assert.deepEqual(
        txResults.map((r) => r.code),
        [0, 0],
      );
      assert.notEqual(appHash, before.lastBlockAppHash);
      assert.deepEqual(app.info(), before, "finalize alone changes nothing");
      assert.equal(readMember(app.store, "m-1"), undefined);
      assert.equal(app.getBlock(1), undefined);
      assert.equal(announced.length, 0);

      const committed = await app.commit();
      assert.equal(announced.length, 1);
      assert.deepEqual(announced[0], committed);
      assert.equal(app.info().lastBlockHeight, 1);
      assert.equal(app.info().lastBlockAppHash, appHash);
      assert.ok(readMember(app.store, "m-1"));

      const b1 = app.getBlock(1);
      assert.ok(b1);
      assert.deepEqual(b1, committed.block);
      assert.equal(b1.header.prevHash, app.getBlock(0)?.hash, "blocks are hash-linked");
      assert.equal(b1.header.txRoot, txRoot(b1.txs));
      assert.equal(b1.header.numTxs, 2);
      assert.equal(b1.hash, blockHash(b1.header));
      assert.deepEqual(
        b1.txs,
        txResults.map((r) => r.hash),
      );
    });
  });

  test("heights must follow on; commit needs a finalized block", async () => {
    await withApp(async (app) => {
      assert.throws(
        () => app.finalizeBlock({ height: 2, time: T0, txs: [] }),
        (e) => isError(e, "INTERNAL"),
      );
      await assert.rejects(app.commit(), (e) => isError(e, "INTERNAL"));
      app.finalizeBlock({ height: 1, time: T0, txs: [] });
      await app.commit();
      await assert.rejects(app.commit(), (e) => isError(e, "INTERNAL"), "commit twice");
      assert.equal(app.getBlock(1)?.header.numTxs, 0, "empty blocks are blocks");
    });
  });

  test("a finalized block can be replaced before commit (a new consensus round)", async () => {
    await withApp(async (app) => {
      app.finalizeBlock({ height: 1, time: T0, txs: [admit(1, "first")] });
      const second = app.finalizeBlock({ height: 1, time: T0, txs: [admit(1, "second")] });
      await app.commit();
      assert.equal(app.info().lastBlockAppHash, second.appHash);
      assert.equal(readMember(app.store, "first"), undefined);
      assert.ok(readMember(app.store, "second"));
    });
  });

  test("every transaction is indexed with its outcome, refused ones and garbage included", async () => {
    await withApp(async (app) => {
      const stranger = testSigner("stranger");
      const garbage = utf8("not json");
      const { txResults } = app.finalizeBlock({
        height: 1,
        time: T0,
        txs: [admit(1), admit(1, "again"), admit(1, "intruder", stranger), garbage],
      });
      await app.commit();
      assert.deepEqual(
        txResults.map((r) => r.codeName),
        ["OK", "TX_NONCE_REPLAYED", "ROLE_FORBIDDEN", "TX_MALFORMED"],
      );
      for (const [index, r] of txResults.entries()) {
        const record = app.getTx(r.hash);
        assert.ok(record, `tx ${index} is indexed`);
        assert.equal(record.height, 1);
        assert.equal(record.index, index);
        assert.equal(record.code, r.code);
        assert.equal(record.codeName, r.codeName);
      }
      const ok = app.getTx(txResults[0]!.hash);
      assert.deepEqual(encodeTx(ok?.tx as never), admit(1), "the index keeps the signed tx");
      assert.equal(app.getTx(txResults[3]!.hash)?.tx, "6e6f74206a736f6e", "garbage kept as hex");
      assert.equal(readMember(app.store, "again"), undefined);
      assert.equal(readMember(app.store, "intruder"), undefined);
      assert.equal(app.getTx("00".repeat(32)), undefined);
    });
  });

  test("transactions in one block see the writes of those before them", async () => {
    await withApp(async (app) => {
      const op = testSigner("m-1");
      const { txResults } = app.finalizeBlock({
        height: 1,
        time: T0,
        txs: [admit(1), tx(op, 1, "key.rotate", { newKey: testSigner("op-next").keyId })],
      });
      assert.deepEqual(
        txResults.map((r) => r.codeName),
        ["OK", "OK"],
      );
    });
  });
});

describe("checkTx: mempool admission on top of what is admitted", () => {
  test("accepts a good transaction and refuses bad ones with their codes, never throwing", async () => {
    await withApp(async (app) => {
      const good = app.checkTx(admit(1));
      assert.equal(good.refusal, undefined);
      assert.match(good.hash, /^[0-9a-f]{64}$/);

      const forged = JSON.parse(new TextDecoder().decode(admit(1))) as {
        body: { nonce: number };
      };
      forged.body.nonce = 2;
      const cases: [Uint8Array, string][] = [
        [utf8("{"), "TX_MALFORMED"],
        [utf8(JSON.stringify(forged)), "TX_BAD_SIGNATURE"],
        [tx(regulator, 1, "member.admit", {}, "other-chain"), "TX_WRONG_CHAIN"],
        [admit(1, "x", testSigner("nobody")), "ROLE_FORBIDDEN"],
        [tx(regulator, 1, "member.admit", { id: "Bad Id" }), "TX_BAD_PARAMS"],
        [tx(regulator, 1, "device.sell", { device: "x", owner: "y" }), "ROLE_FORBIDDEN"],
      ];
      for (const [bytes, code] of cases) {
        const r = app.checkTx(bytes);
        assert.equal(r.refusal?.code, code);
        assert.notEqual(r.refusal?.abciCode, 0);
      }
    });
  });

  test("a block still being finalized is not committed state; nonce gaps stay within the window", async () => {
    await withApp(async (app) => {
      // A dry run sees the committed state and what the mempool admitted, not an uncommitted block.
      app.finalizeBlock({ height: 1, time: T0, txs: [admit(1)] });
      assert.equal(app.checkTx(admit(1, "other")).refusal, undefined);
      await app.commit();
      assert.equal(app.checkTx(admit(1, "other")).refusal?.code, "TX_NONCE_REPLAYED");
      assert.equal(
        app.checkTx(admit(5, "gap")).refusal,
        undefined,
        "a gap within the window is allowed",
      );
      assert.equal(app.checkTx(admit(18, "far")).refusal?.code, "TX_NONCE_TOO_HIGH");
    });
  });

  test("admitted transactions are the state later ones are checked against; a copy is refused", async () => {
    await withApp(async (app) => {
      const first = admit(1);
      assert.equal(app.checkTx(first, { admit: true }).refusal, undefined);
      assert.equal(app.mempool.size, 1);
      // The same bytes again: never a second copy to propose (a recheck keeps the first).
      assert.equal(app.checkTx(first, { admit: true }).refusal?.code, "TX_DUPLICATE");
      assert.equal(app.checkTx(first, { admit: true, recheck: true }).refusal, undefined);
      // Another transaction with the admitted one's nonce, and one that reuses its member id.
      assert.equal(
        app.checkTx(admit(1, "rival"), { admit: true }).refusal?.code,
        "TX_NONCE_REPLAYED",
      );
      assert.equal(app.checkTx(admit(2, "m-1"), { admit: true }).refusal?.code, "MEMBER_EXISTS");
      assert.equal(
        app.checkTx(admit(2, "next"), { admit: true }).refusal,
        undefined,
        "pipelined on top",
      );
      // A dry run changes nothing.
      assert.equal(app.checkTx(admit(3, "dry")).refusal, undefined);
      assert.equal(app.mempool.size, 2);
      // Once committed, the admitted leave the mempool and the committed state answers.
      app.finalizeBlock({ height: 1, time: T0, txs: [first, admit(2, "next")] });
      await app.commit();
      assert.equal(app.mempool.size, 0);
      assert.equal(app.checkTx(admit(2, "late")).refusal?.code, "TX_NONCE_REPLAYED");
      assert.equal(app.checkTx(admit(3, "late")).refusal, undefined);
    });
  });

  test("a signature accepted by checkTx is not trusted for other bytes with the same body", async () => {
    await withApp(async (app) => {
      const good = admit(1);
      assert.equal(app.checkTx(good).refusal, undefined);
      const parsed = JSON.parse(new TextDecoder().decode(good)) as { sig: string };
      const other = JSON.parse(new TextDecoder().decode(admit(1, "m-1", testSigner("evil"))));
      const spliced = utf8(JSON.stringify({ ...other, sig: parsed.sig }));
      const { txResults } = app.finalizeBlock({ height: 1, time: T0, txs: [spliced] });
      assert.equal(txResults[0]?.codeName, "TX_BAD_SIGNATURE");
    });
  });
});

describe("durability", () => {
  test("a reopened ledger has the same blocks, state, index and app hash", async () => {
    const dir = tempDir();
    const app = LedgerApp.open(dir);
    app.initChain(genesis);
    const hashes: string[] = [];
    for (let h = 1; h <= 3; h++) {
      const { txResults } = app.finalizeBlock({ height: h, time: T0 + h, txs: [admit(h)] });
      hashes.push(txResults[0]!.hash);
      await app.commit();
    }
    // A fourth block finalized but never committed: as after a crash between the two.
    app.finalizeBlock({ height: 4, time: T0 + 4, txs: [admit(4)] });
    const info = app.info();
    const blocks = [0, 1, 2, 3].map((h) => app.getBlock(h));
    await app.close();

    const again = LedgerApp.open(dir);
    try {
      assert.deepEqual(again.info(), info);
      assert.deepEqual(
        [0, 1, 2, 3].map((h) => again.getBlock(h)),
        blocks,
      );
      assert.equal(again.getBlock(4), undefined);
      assert.equal(readMember(again.store, "m-4"), undefined);
      for (const h of hashes) assert.equal(again.getTx(h)?.code, 0);
      assert.equal(again.initChain(genesis).appHash, info.lastBlockAppHash, "restart is a no-op");
      // It carries on where it stopped.
      again.finalizeBlock({ height: 4, time: T0 + 4, txs: [admit(4)] });
      await again.commit();
      assert.ok(readMember(again.store, "m-4"));
    } finally {
      await again.close();
    }
  });
});

describe("a corrupt store", () => {
  test("halts block execution instead of recording node-local damage as a transaction's fate", async () => {
    // Corruption is this node's problem, not the transaction's: recording "LEDGER_CORRUPT" as a
    // result would commit a block whose outcome no healthy node shares.
    const dir = tempDir();
    const app = LedgerApp.open(dir);
    app.initChain(genesis);
    await app.close();
    const raw = open({ path: dir, compression: false });
    const state = raw.openDB<string, string>({ name: "state", encoding: "string" });
    const member = JSON.parse(state.get("member/regulator") ?? "{}") as Record<string, unknown>;
    await state.put("member/regulator", JSON.stringify({ ...member, name: "Mallory" }));
    await raw.close();

    const again = LedgerApp.open(dir);
    try {
      assert.throws(
        () => again.finalizeBlock({ height: 1, time: T0, txs: [admit(1)] }),
        (e) => isError(e, "LEDGER_CORRUPT"),
      );
      assert.equal(again.info().lastBlockHeight, 0);
    } finally {
      await again.close();
    }
  });
});

describe("cold and warm caches agree", () => {
  test("a node restarted after every block reaches the same app hashes as one that never stops", async () => {
    // The store caches the objects it wrote; a restarted node parses them from disk instead.
    // Any difference between the two (an undefined member, a shared array) would show here.
    const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
    const phone = imei("35000000000001");
    const mfr = testSigner("mfr");
    const shop = testSigner("shop");
    const police = testSigner("police");
    const alice = testSigner("alice");
    const bob = testSigner("bob");
    const aliceOffer = tx(alice, 3, "transfer.offer", { device: phone, to: bob.keyId });
    const bobOffer = tx(bob, 3, "transfer.offer", { device: phone, to: alice.keyId });
    const hashOf = (bytes: Uint8Array) => toHex(sha256(bytes));
    const steps: Uint8Array[][] = [
      [
        tx(regulator, 1, "member.admit", {
          id: "mfr",
          role: "manufacturer",
          name: "M",
          key: mfr.keyId,
        }),
        tx(regulator, 2, "member.admit", {
          id: "shop",
          role: "retailer",
          name: "S",
          key: shop.keyId,
        }),
        tx(regulator, 3, "member.admit", {
          id: "police",
          role: "law_enforcement",
          name: "P",
          key: police.keyId,
        }),
        tx(regulator, 4, "tac.allocate", { manufacturer: "mfr", from: "35000000", to: "35000000" }),
      ],
      [tx(mfr, 1, "device.register", { devices: [{ ids: [phone], serial: "SN-1" }] })],
      [tx(shop, 1, "device.sell", { device: phone, owner: alice.keyId })],
      [tx(alice, 1, "report.file", { device: phone, kind: "lost" })],
      [tx(police, 1, "report.file", { device: phone, kind: "stolen", reference: "C-1" })],
      [tx(alice, 2, "report.clear", { device: phone })],
      [tx(regulator, 5, "report.clear", { device: phone })],
      [aliceOffer],
      [tx(regulator, 6, "device.block", { device: phone, reason: "other", reference: "R-1" })],
      [tx(bob, 1, "transfer.accept", { device: phone, offer: hashOf(aliceOffer) })],
      [tx(regulator, 7, "device.unblock", { device: phone })],
      [tx(bob, 2, "transfer.accept", { device: phone, offer: hashOf(aliceOffer) })],
      [bobOffer],
      [tx(bob, 4, "transfer.cancel", { device: phone, offer: hashOf(bobOffer) })],
      [tx(shop, 2, "key.rotate", { newKey: testSigner("shop-2").keyId })],
      [tx(regulator, 8, "member.suspend", { id: "police" })],
      [tx(regulator, 9, "member.reinstate", { id: "police" })],
      [tx(bob, 5, "device.scrap", { device: phone })],
    ];
    const warmDir = tempDir();
    const coldDir = tempDir();
    const warm = LedgerApp.open(warmDir);
    warm.initChain(genesis);
    let cold = LedgerApp.open(coldDir);
    cold.initChain(genesis);
    try {
      for (const [i, txs] of steps.entries()) {
        const input = { height: i + 1, time: T0 + i * 1000, txs };
        const w = warm.finalizeBlock(input);
        const c = cold.finalizeBlock(input);
        assert.deepEqual(
          c.txResults.map((r) => r.codeName),
          w.txResults.map((r) => r.codeName),
        );
        assert.equal(c.appHash, w.appHash, `block ${i + 1}`);
        await warm.commit();
        await cold.commit();
        await cold.close();
        cold = LedgerApp.open(coldDir);
      }
      const codes = steps.map((_, i) => warm.getTx(warm.getBlock(i + 1)?.txs[0] ?? "")?.codeName);
      assert.deepEqual(
        codes.filter((c) => c !== "OK"),
        ["DEVICE_NOT_TRANSFERABLE"],
        "the scenario runs as written: only the accept while blocked fails",
      );
    } finally {
      await warm.close();
      await cold.close();
    }
  });
});

describe("the transaction index under replays", () => {
  // Under CometBFT a proposer chooses block contents, so a committed transaction can appear
  // again, in the same block or a later one. It fails there (nonce), but the index must keep
  // reporting the execution that counted: an acknowledged transaction never turns "failed".
  test("a copy in the same block does not overwrite the committed record", async () => {
    await withApp(async (app) => {
      const { txResults } = app.finalizeBlock({ height: 1, time: T0, txs: [admit(1), admit(1)] });
      await app.commit();
      assert.deepEqual(
        txResults.map((r) => r.codeName),
        ["OK", "TX_NONCE_REPLAYED"],
      );
      const record = app.getTx(txResults[0]!.hash);
      assert.equal(record?.code, 0);
      assert.equal(record?.index, 0);
    });
  });

  test("a copy in a later block does not overwrite the committed record", async () => {
    await withApp(async (app) => {
      const { txResults } = app.finalizeBlock({ height: 1, time: T0, txs: [admit(1)] });
      await app.commit();
      const replay = app.finalizeBlock({ height: 2, time: T0 + 1, txs: [admit(1)] });
      await app.commit();
      assert.equal(replay.txResults[0]?.codeName, "TX_NONCE_REPLAYED");
      const record = app.getTx(txResults[0]!.hash);
      assert.equal(record?.code, 0);
      assert.equal(record?.height, 1);
    });
  });
});

describe("query", () => {
  test("reads devices, EIR answers, accounts, members, transactions and blocks, coded when absent", async () => {
    await withApp(async (app) => {
      const mfr = testSigner("query-mfr");
      const alice = testSigner("query-alice");
      const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
      const device = imei("35000000000001");
      const steps = [
        tx(regulator, 1, "member.admit", {
          id: "mfr",
          role: "manufacturer",
          name: "M",
          key: mfr.keyId,
        }),
        tx(regulator, 2, "tac.allocate", { manufacturer: "mfr", from: "35000000", to: "35000000" }),
        tx(mfr, 1, "device.register", { devices: [{ ids: [device, "02:00:00:00:00:01"] }] }),
        tx(mfr, 2, "device.sell", { device, owner: alice.keyId }),
        tx(alice, 1, "report.file", { device, kind: "stolen" }),
      ];
      const { txResults } = app.finalizeBlock({ height: 1, time: T0, txs: steps });
      assert.deepEqual(
        txResults.map((r) => r.codeName),
        ["OK", "OK", "OK", "OK", "OK"],
      );
      await app.commit();

      const d = app.query({ path: "device", data: "02-00-00-00-00-01" });
      assert.equal(d.error, undefined);
      assert.equal((d.value as { id: string }).id, "imei:35000000000001");
      assert.equal(d.height, 1);
      assert.deepEqual(app.query({ path: "equipment-status", data: `imei-${device}` }).value, {
        status: "BLACKLISTED",
      });
      // The same answer as GET /v1/accounts/{keyId}: one read behind both.
      assert.deepEqual(app.query({ path: "account", data: alice.keyId }).value, {
        keyId: alice.keyId,
        account: `owner:${alice.keyId}`,
        role: "owner",
        lastNonce: 1,
        nextNonce: 2,
      });
      assert.equal(
        (app.query({ path: "member", data: "mfr" }).value as { role: string }).role,
        "manufacturer",
      );
      const hash = txResults[4]?.hash ?? "";
      assert.equal((app.query({ path: "tx", data: hash }).value as { code: number }).code, 0);
      assert.equal(
        (app.query({ path: "block", data: "1" }).value as { hash: string }).hash,
        app.getBlock(1)?.hash,
      );

      assert.equal(
        app.query({ path: "device", data: imei("35000000000002") }).error?.code,
        "DEVICE_UNKNOWN",
      );
      assert.equal(
        app.query({ path: "device", data: "35000000000002" + "9" }).error?.code,
        "IMEI_BAD_CHECK_DIGIT",
      );
      assert.equal(app.query({ path: "member", data: "nobody" }).error?.code, "MEMBER_UNKNOWN");
      assert.equal(app.query({ path: "block", data: "x" }).error?.code, "NOT_FOUND");
      assert.equal(app.query({ path: "secrets", data: "" }).error?.code, "REQUEST_BAD_PARAMS");
    });
  });
});
