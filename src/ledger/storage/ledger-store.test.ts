import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, test } from "node:test";
import { open } from "lmdb";
import { sha256 } from "../../core/crypto/hash.js";
import { fromHex, toHex, utf8 } from "../../core/encoding/bytes.js";
import type { Json } from "../../core/encoding/canonical-json.js";
import { isError } from "../../core/errors/devicechain-error.js";
import { blockHash, txRoot } from "../../core/proof/block-header.js";
import {
  BUCKETS,
  bucketHash,
  bucketOf,
  keyHashOf,
  nodeHash,
} from "../../core/proof/bucket-hash.js";
import {
  decodeStateProof,
  stateProofToJson,
  verifyStateProof,
} from "../../core/proof/state-proof.js";
import type { StateWrites } from "../../core/state/state.js";
import { GENESIS_PREV_HASH, type StoredBlock } from "../block.js";
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

/** Close the store, then change one raw entry of one of its LMDB databases. */
async function tamper(
  dir: string,
  name: string,
  key: string,
  change: (raw: string) => string,
): Promise<void> {
  const raw = open({ path: dir, compression: false });
  const db = raw.openDB<string, string>({ name, encoding: "string" });
  const value = db.get(key);
  assert.ok(value !== undefined, `${name}/${key} exists`);
  await db.put(key, change(value));
  await raw.close();
}

async function storeWithDevice(): Promise<string> {
  const dir = tempDir();
  const store = LedgerStore.open(dir);
  commit(
    store,
    0,
    new Map([
      ["chain", { chainId: "t" }],
      ["device/a", { owner: "alice" }],
    ]),
  );
  await store.flushed();
  await store.close();
  return dir;
}

test("a last-commit record that names another app hash is refused: LEDGER_CORRUPT", async () => {
  const dir = await storeWithDevice();
  await tamper(dir, "meta", "last", (s) => s.replace(/"appHash":"[0-9a-f]/, '"appHash":"x'));
  assert.throws(
    () => LedgerStore.open(dir),
    (e) => isError(e, "LEDGER_CORRUPT"),
  );
});

/**
 * Open the tampered store and read `key`: the open or the read must fail with LEDGER_CORRUPT.
 * The app hash commits to every state entry; a node must not answer EIR queries from state its
 * own app hash does not vouch for, whether a value was changed or removed.
 */
async function assertCorruptOnRead(dir: string, key: string): Promise<void> {
  let store: LedgerStore | undefined;
  try {
    assert.throws(
      () => {
        store = LedgerStore.open(dir);
        store.get(key);
      },
      (e) => isError(e, "LEDGER_CORRUPT"),
    );
  } finally {
    await store?.close();
  }
}

test("a state value changed behind the store's back is refused: LEDGER_CORRUPT", async () => {
  const dir = await storeWithDevice();
  await tamper(dir, "state", "device/a", () => JSON.stringify({ owner: "mallory" }));
  await assertCorruptOnRead(dir, "device/a");
});

test("a state entry removed behind the store's back is refused: LEDGER_CORRUPT", async () => {
  // Deleting a stolen phone's record would turn BLACKLISTED into "unknown" at every EIR.
  const dir = await storeWithDevice();
  const raw = open({ path: dir, compression: false });
  await raw.openDB<string, string>({ name: "state", encoding: "string" }).remove("device/a");
  await raw.close();
  await assertCorruptOnRead(dir, "device/a");
});

test("a state value changed together with its leaf is refused: LEDGER_CORRUPT", async () => {
  // The leaf alone is not the commitment: its bucket hash, and so the app hash, is.
  const dir = await storeWithDevice();
  const forged = JSON.stringify({ owner: "mallory" });
  await tamper(dir, "state", "device/a", () => forged);
  const raw = open({ path: dir, compression: false });
  const leaves = raw.openDB<Buffer, Buffer>({
    name: "leaves",
    keyEncoding: "binary",
    encoding: "binary",
  });
  await leaves.put(Buffer.from(keyHashOf("device/a")), Buffer.from(sha256(utf8(forged))));
  await raw.close();
  await assertCorruptOnRead(dir, "device/a");
});

test("proof material for any key recomputes the committed app hash", async () => {
  const dir = tempDir();
  const store = LedgerStore.open(dir);
  const writes: StateWrites = new Map();
  for (let i = 0; i < 200; i++) writes.set(`device/${i}`, { n: i });
  commit(store, 0, writes);
  commit(
    store,
    1,
    new Map([
      ["device/7", null],
      ["device/8", { n: 80 }],
    ]),
  );
  for (const key of ["device/8", "device/7", "device/150", "absent"]) {
    const { bucket, leaves, path: siblings } = store.proofMaterial(key);
    assert.equal(bucket, bucketOf(keyHashOf(key)));
    const present = leaves.some((l) => toHex(l.keyHash) === toHex(keyHashOf(key)));
    assert.equal(present, key === "device/8" || key === "device/150", key);
    let acc = bucketHash(leaves);
    let index = BUCKETS + bucket;
    for (const sibling of siblings) {
      acc = index % 2 === 0 ? nodeHash(acc, sibling) : nodeHash(sibling, acc);
      index >>>= 1;
    }
    assert.equal(toHex(acc), store.last.appHash, key);
  }
  await store.close();
});

test("while a block is prepared but not committed, proofs still prove the committed app hash", async () => {
  // Between finalizeBlock and commit (a consensus round in flight), queries answer from the
  // committed state; a proof must check against the app hash of that state, not the pending one.
  const dir = tempDir();
  const store = LedgerStore.open(dir);
  const writes: StateWrites = new Map();
  for (let i = 0; i < 300; i++) writes.set(`device/${i}`, { n: i });
  commit(store, 0, writes);
  const committed = store.last.appHash;
  const pending: StateWrites = new Map();
  for (let i = 0; i < 300; i += 2) pending.set(`device/${i}`, { n: -i });
  const prepared = store.prepare(pending);
  assert.notEqual(prepared.appHash, committed);
  for (let i = 0; i < 300; i += 7) {
    const key = `device/${i}`;
    const { bucket, leaves, path: siblings } = store.proofMaterial(key);
    let acc = bucketHash(leaves);
    let index = BUCKETS + bucket;
    for (const sibling of siblings) {
      acc = index % 2 === 0 ? nodeHash(acc, sibling) : nodeHash(sibling, acc);
      index >>>= 1;
    }
    assert.equal(toHex(acc), committed, key);
    assert.deepEqual(store.get(key), { n: i });
  }
  await store.close();
});

test("stateProof: core's verifier accepts the store's proofs of values and absences, also mid-block", async () => {
  const dir = tempDir();
  const store = LedgerStore.open(dir);
  const writes: StateWrites = new Map();
  for (let i = 0; i < 300; i++) writes.set(`device/${i}`, { n: i, tags: ["x", String(i)] });
  commit(store, 0, writes);
  commit(
    store,
    1,
    new Map([
      ["device/7", null],
      ["device/8", { n: 80 }],
    ]),
  );
  const committed = fromHex(store.last.appHash)!;
  // A block in flight changes nothing a proof shows: it proves the committed state.
  store.prepare(new Map([["device/8", { n: -8 }]]));
  const expected: [string, Json | null][] = [
    ["device/8", { n: 80 }],
    ["device/150", { n: 150, tags: ["x", "150"] }],
    ["device/7", null],
    ["never-written", null],
  ];
  for (const [key, value] of expected) {
    const { height, appHash, proof } = store.stateProof(key);
    assert.equal(height, 1);
    assert.equal(appHash, store.last.appHash);
    assert.deepEqual(verifyStateProof(proof, committed), { key, value }, key);
    // Through the wire form, as a client receives it.
    const wire = JSON.parse(JSON.stringify(stateProofToJson(proof))) as unknown;
    assert.deepEqual(verifyStateProof(decodeStateProof(wire), committed).value, value);
  }
  const { proof } = store.stateProof("device/8");
  assert.throws(
    () => verifyStateProof({ ...proof, value: { n: -8 } }, committed),
    (e) => isError(e, "PROOF_VALUE_MISMATCH"),
    "the pending value is not proved",
  );
  await store.close();
});

test("ownsAnyDevice follows the committed owner, and is rebuilt for a store written before it", async () => {
  const dir = tempDir();
  const device = (owner?: string): Json => ({
    id: "imei:49015420323751",
    ids: ["imei:49015420323751"],
    marks: [],
    ...(owner === undefined ? {} : { owner }),
  });
  let store = LedgerStore.open(dir);
  commit(
    store,
    0,
    new Map<string, Json>([
      ["chain", { chainId: "t" }],
      ["device/imei:49015420323751", device()],
    ]),
  );
  assert.equal(store.ownsAnyDevice("alice"), false, "a registered device has no owner");
  commit(store, 1, new Map([["device/imei:49015420323751", device("alice")]]));
  assert.equal(store.ownsAnyDevice("alice"), true);
  assert.equal(store.ownsAnyDevice("bob"), false);
  commit(store, 2, new Map([["device/imei:49015420323751", device("bob")]]));
  assert.equal(store.ownsAnyDevice("alice"), false, "a stale entry is checked against the record");
  assert.equal(store.ownsAnyDevice("bob"), true);
  await store.close();

  // A store from before the index: no owners entries and no meta mark.
  const raw = open({ path: dir, compression: false, mapSize: 2 ** 36 });
  await raw.openDB({ name: "owners", encoding: "string" }).clearAsync();
  await raw.openDB({ name: "meta", encoding: "string" }).remove("owner-index");
  await raw.close();
  store = LedgerStore.open(dir);
  assert.equal(store.ownsAnyDevice("bob"), true, "the index is rebuilt at open");
  assert.equal(store.ownsAnyDevice("alice"), false);
  await store.close();
});
