/**
 * Determinism: random sequences of transactions (valid and not), cut into random blocks, applied
 * on two fresh nodes (real LMDB) give the same app hash after every block; a third node replaying
 * the blocks as stored gives the same hashes again.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { testGenesis } from "../../tests/support/consortium.js";
import { NonceTracker, signedBytes, testSigner } from "../../tests/support/signers.js";
import { equipmentAnswer } from "../core/check/equipment-check.js";
import type { Signer } from "../core/crypto/ed25519.js";
import { sha256 } from "../core/crypto/hash.js";
import { fromHex, toHex } from "../core/encoding/bytes.js";
import type { JsonObject } from "../core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../core/identifiers/luhn.js";
import type { Genesis } from "../core/machine/genesis.js";
import type { Device } from "../core/state/device.js";
import { deviceState } from "../core/state/device-state.js";
import { equipmentStatus } from "../core/state/equipment-status.js";
import { DEVICE_PREFIX } from "../core/state/keys.js";
import { pairingHash } from "../core/state/pairing.js";
import { encodeTx } from "../core/tx/transaction.js";
import type { TxType } from "../core/tx/tx-type.js";
import { LedgerApp } from "./application.js";
import { EquipmentReads } from "./read/equipment-reads.js";

const regulator = testSigner("regulator");
const PAIRING_SALT = "5a".repeat(32);
/** Subscribers pairings are made for, and checks carry (the first in two forms, one never paired). */
const SUBSCRIBERS = ["imsi-001010000000001", "imsi-001010000000002"];
const CHECKED_SUBSCRIBERS = [...SUBSCRIBERS, "001010000000001", "imsi-001010000000003"];
const genesis: Genesis = testGenesis({ tacs: [], pairingSalt: PAIRING_SALT });
const actors: Record<string, Signer> = {
  regulator,
  mfr: testSigner("mfr"),
  shop: testSigner("shop"),
  police: testSigner("police"),
  op: testSigner("op"),
  alice: testSigner("alice"),
  bob: testSigner("bob"),
};
const names = Object.keys(actors);
const imei = (n: number): string => {
  const d14 = `35000000${String(n).padStart(6, "0")}`;
  return d14 + String(luhnCheckDigit(d14));
};

interface Step {
  readonly signer: string;
  readonly kind: number;
  readonly device: number;
  readonly other: string;
  readonly nonceSkew: number;
}

/** Who would plausibly sign each kind of step; a quarter of steps pick anyone instead. */
const PLAUSIBLE: readonly (readonly string[])[] = [
  ["regulator"],
  ["regulator"],
  ["mfr"],
  ["shop", "mfr"],
  ["alice", "bob"],
  ["alice", "bob"],
  ["alice", "bob"],
  ["alice", "bob", "police", "op"],
  ["alice", "bob", "police", "op", "regulator"],
  ["regulator"],
  ["regulator"],
  ["alice", "bob", "mfr"],
  ["regulator"],
  ["op"],
  ["regulator"],
  ["regulator", "mfr"],
  ["regulator", "mfr"],
  ["regulator"],
];

/** One random step; many of these fail, on purpose. */
const step = fc
  .record({
    kind: fc.integer({ min: 0, max: 17 }),
    pick: fc.nat(),
    wild: fc.integer({ min: 0, max: 3 }),
    device: fc.integer({ min: 0, max: 9 }),
    other: fc.constantFrom(...names),
    nonceSkew: fc.constantFrom(0, 0, 0, 0, 0, 1, -1),
  })
  .map(({ kind, pick, wild, ...rest }): Step => {
    const pool = wild === 0 ? names : (PLAUSIBLE[kind] ?? names);
    return { ...rest, kind, signer: pool[pick % pool.length]! };
  });

/** `offer` is the id of the last offer signed for the step's device, which accept and cancel name. */
function stepTx(s: Step, offer = "0".repeat(64)): [TxType, JsonObject] {
  const device = imei(s.device);
  const to = actors[s.other]!.keyId;
  switch (s.kind) {
    case 0:
      return [
        "member.admit",
        {
          id: s.other,
          role:
            s.other === "mfr"
              ? "manufacturer"
              : s.other === "shop"
                ? "retailer"
                : s.other === "police"
                  ? "law_enforcement"
                  : "operator",
          name: s.other,
          key: to,
        },
      ];
    case 1:
      return ["tac.allocate", { manufacturer: "mfr", from: "35000000", to: "35000000" }];
    case 2:
      return ["device.register", { devices: [{ ids: [device] }, { ids: [imei(s.device + 10)] }] }];
    case 3:
      return ["device.sell", { device, owner: to }];
    case 4:
      return ["transfer.offer", { device, to }];
    case 5:
      return ["transfer.accept", { device, offer }];
    case 6:
      return ["transfer.cancel", { device, offer }];
    case 7:
      return ["report.file", { device, kind: "stolen", reference: "REF-1" }];
    case 8:
      return ["report.clear", { device }];
    case 9:
      return ["device.block", { device, reason: "fraud" }];
    case 10:
      return ["device.unblock", { device }];
    case 11:
      return ["device.scrap", { device }];
    case 12:
      return ["member.suspend", { id: s.other }];
    case 13:
      return [
        "clone.suspect",
        { device, rule: "imei-multi-subscriber", evidence: "ab".repeat(32) },
      ];
    case 14:
      return ["clone.clear", { device }];
    case 15:
    case 16: {
      const subscriber = SUBSCRIBERS[names.indexOf(s.other) % SUBSCRIBERS.length]!;
      const hash = pairingHash(fromHex(PAIRING_SALT)!, `imei:${device.slice(0, 14)}`, subscriber);
      return [s.kind === 15 ? "pairing.add" : "pairing.remove", { device, hash }];
    }
    default:
      return [
        "pairing.delegate",
        s.other === "bob" ? { manufacturer: "mfr", revoke: true } : { manufacturer: "mfr" },
      ];
  }
}

/** A consortium to act in: members admitted, TACs allocated, devices registered and sold. */
const PRELUDE: Step[] = [
  ...["mfr", "shop", "police", "op"].map((other) => ({
    signer: "regulator",
    kind: 0,
    device: 0,
    other,
    nonceSkew: 0,
  })),
  { signer: "regulator", kind: 1, device: 0, other: "mfr", nonceSkew: 0 },
  ...[0, 1, 2, 3, 4, 5].map((device) => ({
    signer: "mfr",
    kind: 2,
    device,
    other: "mfr",
    nonceSkew: 0,
  })),
  ...[0, 1, 2].map((device) => ({ signer: "shop", kind: 3, device, other: "alice", nonceSkew: 0 })),
  ...[3, 4].map((device) => ({ signer: "shop", kind: 3, device, other: "bob", nonceSkew: 0 })),
];

function toBlocks(random: Step[], cuts: number[]): Uint8Array[][] {
  const nonces = new NonceTracker();
  const offers = new Map<number, string>();
  const steps = [...PRELUDE, ...random];
  const txs = steps.map((s) => {
    const signer = actors[s.signer]!;
    const n = nonces.next(signer);
    const [type, params] = stepTx(s, offers.get(s.device));
    const bytes = signedBytes(signer, Math.max(1, n + s.nonceSkew), type, params);
    if (type === "transfer.offer") offers.set(s.device, toHex(sha256(bytes)));
    return bytes;
  });
  const blocks: Uint8Array[][] = [];
  let i = 0;
  for (const cut of cuts) {
    if (i >= txs.length) break;
    blocks.push(txs.slice(i, i + cut));
    i += cut;
  }
  if (i < txs.length) blocks.push(txs.slice(i));
  return blocks;
}

let committedOk = 0;

let pairedChecks = 0;

/**
 * The EIR index must give, for every identifier, what the device record itself says: without a
 * subscriber, and with each test subscriber (per-subscriber answers of paired devices).
 */
function checkEquipmentIndex(app: LedgerApp): void {
  const salt = fromHex(PAIRING_SALT)!;
  const reads = new EquipmentReads(app.store);
  // The index's answer, through the rule every protocol asks.
  const indexed = (id: string, subscriber?: string) => {
    const status = reads.status(id);
    const pairings = status === undefined ? undefined : reads.pairings(id);
    return equipmentAnswer(status, pairings, subscriber, "reject").status;
  };
  for (const [, value] of app.store.scan(DEVICE_PREFIX)) {
    const device = value as unknown as Device;
    const status = equipmentStatus(deviceState(device));
    const hashes = new Set(device.pairings?.map((p) => p.hash));
    for (const id of device.ids) {
      assert.equal(indexed(id), status, id);
      for (const sub of CHECKED_SUBSCRIBERS) {
        const paired = hashes.size > 0 ? hashes.has(pairingHash(salt, device.id, sub)) : undefined;
        if (paired !== undefined) pairedChecks++;
        // From the record: a paired subscriber passes, others are refused, blacklisting wins.
        const expected =
          paired === undefined || status === "BLACKLISTED"
            ? status
            : paired
              ? "WHITELISTED"
              : "BLACKLISTED";
        assert.equal(indexed(id, sub), expected, `${id} ${sub}`);
      }
    }
  }
  assert.equal(indexed("imei:99999999999999"), undefined);
}

let admittedOk = 0;

/**
 * Run the blocks on a fresh node. With `mempool`, each block's transactions first go through
 * admission (simulated on top of the ones admitted before them) and the block holds only those
 * admitted, as a proposer's would: every one of them must then succeed.
 */
async function run(
  dir: string,
  blocks: Uint8Array[][],
  times?: number[],
  mempool = false,
): Promise<string[]> {
  const app = LedgerApp.open(dir);
  try {
    app.initChain(genesis);
    const hashes = [app.info().lastBlockAppHash];
    for (const [i, offered] of blocks.entries()) {
      const time = times?.[i] ?? 1_780_000_000_000 + i * 1000;
      const txs = mempool
        ? offered.filter((tx) => app.checkTx(tx, { admit: true }).refusal === undefined)
        : offered;
      const { appHash, txResults } = app.finalizeBlock({ height: i + 1, time, txs });
      if (mempool) {
        admittedOk += txs.length;
        for (const r of txResults) {
          assert.equal(r.codeName, "OK", "the mempool admitted what its block refused");
        }
        assert.equal(app.mempool.size, txs.length);
      }
      committedOk += txResults.filter((r) => r.code === 0).length;
      await app.commit();
      // Read every answer after every block, so a stale index entry would show.
      checkEquipmentIndex(app);
      hashes.push(appHash);
    }
    checkEquipmentIndex(app);
    return hashes;
  } finally {
    await app.close();
  }
}

/** The blocks a node stored, read back: each tx from the index, in block order. */
async function storedBlocks(
  dir: string,
): Promise<{ blocks: Uint8Array[][]; times: number[]; hashes: string[] }> {
  const app = LedgerApp.open(dir);
  try {
    // A freshly opened store fills its equipment index lazily: check that path too.
    checkEquipmentIndex(app);
    const blocks: Uint8Array[][] = [];
    const times: number[] = [];
    const hashes: string[] = [app.getBlock(0)!.header.appHash];
    for (let h = 1; h <= app.info().lastBlockHeight; h++) {
      const b = app.getBlock(h)!;
      blocks.push(b.txs.map((hash) => encodeTx(app.getTx(hash)!.tx as never)));
      times.push(b.header.time);
      hashes.push(b.header.appHash);
    }
    return { blocks, times, hashes };
  } finally {
    await app.close();
  }
}

test("random transaction sequences give identical app hashes on two nodes and on replay", {
  timeout: 120_000,
}, async () => {
  const root = mkdtempSync(path.join(tmpdir(), "dc-determinism-"));
  let runNo = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 10, maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 20 }),
        async (steps, cuts) => {
          const blocks = toBlocks(steps, cuts);
          const n = runNo++;
          const a = await run(path.join(root, `a${n}`), blocks);
          const b = await run(path.join(root, `b${n}`), blocks);
          assert.deepEqual(a, b);
          const stored = await storedBlocks(path.join(root, `a${n}`));
          assert.deepEqual(stored.hashes, a);
          const replay = await run(path.join(root, `r${n}`), stored.blocks, stored.times);
          assert.deepEqual(replay, a);
          await run(path.join(root, `m${n}`), blocks, undefined, true);
        },
      ),
      { numRuns: 20 },
    );
    // The random steps must exercise the state machine, not only its refusals: count the
    // successes beyond the prelude's, over the three nodes of each of the 20 runs.
    const randomOk = committedOk - 3 * 20 * PRELUDE.length - admittedOk;
    assert.ok(randomOk > 60, `only ${randomOk} random transactions succeeded`);
    assert.ok(admittedOk > 20 * PRELUDE.length + 20, "the mempool admitted almost nothing");
    assert.ok(pairedChecks > 0, "no run paired a device: the per-subscriber answers went untested");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
