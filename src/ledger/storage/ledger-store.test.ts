import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, test } from "node:test";
import { open } from "lmdb";
import { isError } from "../../core/errors/devicechain-error.js";
import type { StateWrites } from "../../core/state/state.js";
import { blockHash, GENESIS_PREV_HASH, type StoredBlock, txRoot } from "../block.js";
import { LedgerStore } from "./ledger-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), "dc-store-"));
  dirs.push(d);
  return d;
};

function blockFor(height: number, appHash: string): StoredBlock {
  const header = {
    chainId: "t",
    height,
    time: height * 1000,
    prevHash: GENESIS_PREV_HASH,
    txRoot: txRoot([]),
    appHash,
    numTxs: 0,
  };
  return { hash: blockHash(header), header, txs: [] };
}

function commit(store: LedgerStore, height: number, writes: StateWrites): string {
  const prepared = store.prepare(writes);
  store.commit(prepared, blockFor(height, prepared.appHash), []);
  return prepared.appHash;
}

test("a reopened store has the same state and app hash", async () => {
  const dir = tempDir();
  const store = LedgerStore.open(dir);
  commit(
    store,
    0,
    new Map([
      ["chain", { chainId: "t" }],
      ["device/a", { n: 1 }],
    ]),
  );
  const hash = commit(
    store,
    1,
    new Map([
      ["device/b", { n: 2 }],
      ["device/a", null],
    ]),
  );
  await store.flushed();
  await store.close();
  const again = LedgerStore.open(dir);
  assert.equal(again.last.appHash, hash);
  assert.equal(again.last.height, 1);
  assert.equal(again.get("device/a"), undefined);
  assert.deepEqual(again.get("device/b"), { n: 2 });
  assert.deepEqual(
    [...again.scan("device/")].map(([k]) => k),
    ["device/b"],
  );
  await again.close();
});

test("the app hash commits to every value: the same keys with other values hash differently", async () => {
  const a = LedgerStore.open(tempDir());
  const b = LedgerStore.open(tempDir());
  assert.notEqual(a.prepare(new Map([["k", 1]])).appHash, b.prepare(new Map([["k", 2]])).appHash);
  assert.equal(
    a.prepare(
      new Map([
        ["k", 1],
        ["j", 2],
      ]),
    ).appHash,
    b.prepare(
      new Map([
        ["j", 2],
        ["k", 1],
      ]),
    ).appHash,
  );
  await a.close();
  await b.close();
});

test("a prepared block that is never committed leaves nothing behind", async () => {
  const dir = tempDir();
  const store = LedgerStore.open(dir);
  const h0 = commit(store, 0, new Map([["chain", { chainId: "t" }]]));
  store.prepare(new Map([["device/x", { n: 1 }]]));
  assert.equal(store.get("device/x"), undefined);
  await store.close();
  const again = LedgerStore.open(dir);
  assert.equal(again.last.appHash, h0);
  assert.equal(again.get("device/x"), undefined);
  await again.close();
});

test("stored hashes that no longer match the committed app hash are refused: LEDGER_CORRUPT", async () => {
  const dir = tempDir();
  const store = LedgerStore.open(dir);
  commit(
    store,
    0,
    new Map([
      ["chain", { chainId: "t" }],
      ["device/a", { n: 1 }],
    ]),
  );
  await store.flushed();
  await store.close();
  // Tamper with the stored tree behind the store's back, as a disk fault or an attacker would.
  const raw = open({ path: dir, compression: false });
  const buckets = raw.openDB<Buffer, number>({
    name: "buckets",
    keyEncoding: "uint32",
    encoding: "binary",
  });
  const [first] = [...buckets.getRange({ limit: 1 })];
  assert.ok(first);
  const flipped = Buffer.from(first.value);
  flipped[0] = (flipped[0] ?? 0) ^ 0xff;
  await buckets.put(first.key, flipped);
  await raw.close();
  assert.throws(
    () => LedgerStore.open(dir),
    (e) => isError(e, "LEDGER_CORRUPT"),
  );
});
