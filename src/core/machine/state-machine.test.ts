/**
 * The state machine as a whole: executeBlock's purity and ordering, the nonce rules, a device's
 * life through every state with the EIR answer at each step, bulk registration refusals, and
 * the governance invariants.
 */
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { consortiumSteps, testMember } from "../../../tests/support/consortium.js";
import { MemoryChain } from "../../../tests/support/memory-chain.js";
import { TEST_CHAIN, testSigner } from "../../../tests/support/signers.js";
import type { Json } from "../encoding/canonical-json.js";
import { isError } from "../errors/devicechain-error.js";
import { luhnCheckDigit } from "../identifiers/luhn.js";
import { readChain } from "../state/chain.js";
import { findDevice, readDevice } from "../state/device.js";
import { deviceState } from "../state/device-state.js";
import { equipmentStatus } from "../state/equipment-status.js";
import { nonceKey } from "../state/keys.js";
import { readMember } from "../state/member.js";
import type { StateReader } from "../state/state.js";
import { encodeTx, signTx } from "../tx/transaction.js";
import { TX_TYPES } from "../tx/tx-type.js";
import { checkTx, executeBlock } from "./state-machine.js";
import { lastNonce } from "./verify.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const reg = testSigner("regulator");
const mfr = testSigner("mfr");
const shop = testSigner("shop");
const police = testSigner("police");
const op = testSigner("op");
const alice = testSigner("alice");
const bob = testSigner("bob");
const PHONE = imei("35000000000001");
const PHONE_KEY = `imei:${PHONE.slice(0, 14)}`;

/** A consortium: regulator, manufacturer with TAC 35000000, retailer, police and an operator. */
function consortium(): MemoryChain {
  const c = MemoryChain.withRegulator();
  const MFR = testMember("mfr", "manufacturer");
  const members = [
    MFR,
    testMember("shop", "retailer"),
    testMember("police", "law_enforcement"),
    testMember("op", "operator"),
  ];
  c.run(consortiumSteps(members, [[MFR, "35000000", "35000001"]]));
  return c;
}

/** A read-only view that fails the test if anyone tries to write through it. */
function frozen(c: MemoryChain): StateReader {
  const snapshot = new Map(c.state);
  return { get: (k) => snapshot.get(k) };
}

const statusOf = (c: MemoryChain, key = PHONE_KEY) => {
  const d = findDevice(c, key);
  assert.ok(d, `device ${key} exists`);
  const state = deviceState(d);
  return [state, equipmentStatus(state)] as const;
};

describe("executeBlock", () => {
  test("is pure: the state is only read, and the same block gives the same outcome", () => {
    const c = consortium();
    const before = new Map(c.state);
    const input = {
      height: 99,
      time: 1_780_000_000_000,
      txs: [
        encodeTx(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] })),
        encodeTx(c.tx(shop, "device.sell", { device: PHONE, owner: alice.keyId })),
      ],
    };
    const one = executeBlock(frozen(c), input);
    const two = executeBlock(frozen(c), input);
    assert.deepEqual(c.state, before);
    assert.deepEqual(one, two);
    assert.deepEqual(
      one.results.map((r) => r.codeName),
      ["OK", "OK"],
    );
  });

  test("a refused transaction adds no write to the block but its spent nonce", () => {
    const c = consortium();
    const good = encodeTx(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
    const bad = c.tx(bob, "device.scrap", { device: PHONE });
    const input = { height: 9, time: 0 };
    const withBad = executeBlock(c, { ...input, txs: [good, encodeTx(bad)] });
    const without = executeBlock(c, { ...input, txs: [good] });
    assert.equal(withBad.results[1]?.codeName, "DEVICE_NOT_OWNER");
    assert.deepEqual(withBad.results[1]?.events, []);
    const expected = new Map(without.writes).set(nonceKey(bob.keyId), bad.body.nonce);
    assert.deepEqual(withBad.writes, expected);
  });

  test("needs an initialised chain", () => {
    assert.throws(
      () => executeBlock({ get: () => undefined }, { height: 1, time: 0, txs: [] }),
      (e) => isError(e, "GENESIS_INVALID"),
    );
  });
});

describe("nonces", () => {
  test("replays, reorders back and repeats in one block are refused; gaps within the window", () => {
    const c = consortium();
    const admit = (nonce: number, id: string) =>
      c.tx(
        reg,
        "member.admit",
        { id, role: "insurer", name: id, key: testSigner(id).keyId },
        nonce,
      );
    const last = c.get(nonceKey(reg.keyId)) as number;
    const first = admit(last + 1, "ins-a");
    const results = c.block([
      first,
      first,
      admit(last + 1, "ins-b"),
      admit(last + 10, "ins-c"),
      admit(last + 5, "ins-d"),
    ]);
    assert.deepEqual(
      results.map((r) => r.codeName),
      ["OK", "TX_NONCE_REPLAYED", "TX_NONCE_REPLAYED", "OK", "TX_NONCE_REPLAYED"],
    );
    assert.deepEqual(results[1]?.data, { lastNonce: last + 1 });
    assert.equal(c.get(nonceKey(reg.keyId)), last + 10);
    assert.equal(c.block([first])[0]?.codeName, "TX_NONCE_REPLAYED", "and in a later block");
  });

  test("a transaction refused in a block uses up its nonce", () => {
    const c = consortium();
    const n = (c.get(nonceKey(reg.keyId)) as number) + 1;
    const [bad] = c.block([c.tx(reg, "member.suspend", { id: "nobody" }, n)]);
    assert.equal(bad?.codeName, "MEMBER_UNKNOWN");
    assert.equal(c.get(nonceKey(reg.keyId)), n);
    const [again] = c.block([c.tx(reg, "member.suspend", { id: "op" }, n)]);
    assert.equal(again?.codeName, "TX_NONCE_REPLAYED");
    const [next] = c.block([c.tx(reg, "member.suspend", { id: "op" }, n + 1)]);
    assert.equal(next?.codeName, "OK");
  });

  test("nonces belong to signing keys, owners' keys included", () => {
    const c = consortium();
    c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
    c.must(c.tx(shop, "device.sell", { device: PHONE, owner: alice.keyId }));
    const offer = c.tx(alice, "transfer.offer", { device: PHONE, to: bob.keyId }, 7);
    c.must(offer);
    assert.equal(c.get(nonceKey(alice.keyId)), 7);
    c.must(c.tx(alice, "transfer.cancel", { device: PHONE, offer: c.offerId(PHONE) }, 8));
    assert.equal(c.block([offer])[0]?.codeName, "TX_NONCE_REPLAYED");
  });

  test("a transaction signed for another chain is refused", () => {
    const c = consortium();
    const tx = signTx(reg, {
      chain: "another-chain",
      signer: reg.keyId,
      nonce: 1_000,
      type: "member.suspend",
      params: { id: "op" },
    });
    const [r] = c.block([tx]);
    assert.equal(r?.codeName, "TX_WRONG_CHAIN");
  });

  test("a committed transaction cannot run again after its key joins the consortium", () => {
    // Alice, an owner, reported her phone lost and cleared the report. Later her key is admitted
    // as an operator's key, and that operator reports the phone for a subscriber. Replaying
    // Alice's old, committed report.clear must not clear the operator's mark: the key changed
    // account, but what it signed must never run twice.
    const c = consortium();
    c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
    c.must(c.tx(shop, "device.sell", { device: PHONE, owner: alice.keyId }));
    c.must(c.tx(alice, "report.file", { device: PHONE, kind: "lost" }, 1));
    const clear = c.tx(alice, "report.clear", { device: PHONE }, 2);
    c.must(clear);
    const [admitted] = c.block([
      c.tx(reg, "member.admit", { id: "op-2", role: "operator", name: "op2", key: alice.keyId }),
    ]);
    // Refusing a key with an owner's history is one fix; keeping its nonce is another.
    if (admitted?.codeName !== "OK") {
      assert.equal(admitted?.codeName, "KEY_IN_USE");
      return;
    }
    c.must(c.tx(alice, "report.file", { device: PHONE, kind: "lost", reference: "SUB-9" }, 3));
    assert.equal(statusOf(c)[0], "lost");
    const [replay] = c.block([clear]);
    assert.equal(replay?.codeName, "TX_NONCE_REPLAYED", "a committed transaction ran again");
    assert.equal(statusOf(c)[0], "lost");
  });

  test("a committed transaction cannot run again after its member key is rotated away", () => {
    // The operator reports a phone, then rotates its key; the old key is now nobody's member
    // key, i.e. an owner's, and a device can be sold to it. Its old signatures stay spent.
    const c = consortium();
    const OTHER = imei("35000000000077");
    c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }, { ids: [OTHER] }] }));
    c.must(c.tx(shop, "device.sell", { device: PHONE, owner: alice.keyId }));
    const report = c.tx(op, "report.file", { device: OTHER, kind: "lost", reference: "S-1" });
    c.must(report);
    c.must(c.tx(op, "report.clear", { device: OTHER }));
    c.must(c.tx(op, "key.rotate", { newKey: testSigner("op-next").keyId }));
    c.must(c.tx(shop, "device.sell", { device: OTHER, owner: op.keyId }));
    const [replay] = c.block([report]);
    assert.equal(replay?.codeName, "TX_NONCE_REPLAYED", "a committed transaction ran again");
    assert.deepEqual(statusOf(c, `imei:${OTHER.slice(0, 14)}`), ["active", "WHITELISTED"]);
  });
});

describe("a device's life, and what the EIR answers at each step", () => {
  test("registered → active → lost → recovered → transferred → stolen → blocked → scrapped", () => {
    const c = consortium();
    const SECOND = imei("35000001000002");
    c.must(
      c.tx(mfr, "device.register", {
        devices: [{ ids: [PHONE, SECOND], serial: "SN-1", key: testSigner("se").keyId }],
      }),
    );
    assert.deepEqual(statusOf(c), ["registered", "WHITELISTED"]);
    // Every identifier names the same device: the second IMEI, an IMEISV and the serial.
    assert.equal(findDevice(c, `imei:${SECOND.slice(0, 14)}`)?.id, PHONE_KEY);
    assert.equal(findDevice(c, "serial:mfr:SN-1")?.id, PHONE_KEY);
    assert.equal(readDevice(c, PHONE_KEY)?.deviceKey, testSigner("se").keyId);

    c.must(c.tx(shop, "device.sell", { device: `${SECOND.slice(0, 14)}07`, owner: alice.keyId }));
    assert.deepEqual(statusOf(c), ["active", "WHITELISTED"]);

    c.must(c.tx(alice, "report.file", { device: PHONE, kind: "lost" }));
    assert.deepEqual(statusOf(c), ["lost", "BLACKLISTED"]);
    assert.equal(
      c.block([c.tx(alice, "report.file", { device: PHONE, kind: "lost" })])[0]?.codeName,
      "DEVICE_ALREADY_REPORTED",
    );
    c.must(c.tx(alice, "report.clear", { device: PHONE }));
    assert.deepEqual(statusOf(c), ["recovered", "WHITELISTED"]);

    c.must(c.tx(alice, "transfer.offer", { device: PHONE, to: bob.keyId }));
    assert.equal(
      c.block([c.tx(alice, "transfer.offer", { device: PHONE, to: bob.keyId })])[0]?.codeName,
      "OFFER_EXISTS",
    );
    c.must(c.tx(bob, "transfer.accept", { device: PHONE, offer: c.offerId(PHONE) }));
    assert.deepEqual(statusOf(c), ["active", "WHITELISTED"], "a new owner is no 'recovered'");
    assert.equal(readDevice(c, PHONE_KEY)?.owner, bob.keyId);
    assert.equal(readDevice(c, PHONE_KEY)?.offer, undefined);
    assert.equal(
      c.block([c.tx(alice, "report.file", { device: PHONE, kind: "stolen" })])[0]?.codeName,
      "DEVICE_NOT_OWNER",
      "the seller has no say any more",
    );

    c.must(c.tx(police, "report.file", { device: PHONE, kind: "stolen", reference: "CASE-7" }));
    assert.deepEqual(statusOf(c), ["stolen", "BLACKLISTED"]);
    c.must(c.tx(reg, "device.block", { device: PHONE, reason: "fraud", reference: "R-1" }));
    assert.deepEqual(statusOf(c), ["blocked", "BLACKLISTED"]);
    c.must(c.tx(reg, "report.clear", { device: PHONE, by: "police" }));
    c.must(c.tx(reg, "device.unblock", { device: PHONE }));
    assert.deepEqual(statusOf(c), ["recovered", "WHITELISTED"]);

    c.must(c.tx(bob, "device.scrap", { device: PHONE }));
    assert.deepEqual(statusOf(c), ["scrapped", "BLACKLISTED"]);
    for (const [signer, type, params, code] of [
      [bob, "device.scrap", { device: PHONE }, "DEVICE_SCRAPPED"],
      [bob, "report.file", { device: PHONE, kind: "lost" }, "DEVICE_SCRAPPED"],
      [bob, "transfer.offer", { device: PHONE, to: alice.keyId }, "DEVICE_NOT_TRANSFERABLE"],
    ] as const) {
      assert.equal(c.block([c.tx(signer, type, params)])[0]?.codeName, code, type);
    }

    const d = readDevice(c, PHONE_KEY);
    assert.deepEqual(
      d?.history.map((h) => h.event),
      [
        "registered",
        "sold",
        "reported_lost",
        "recovered",
        "transfer_offered",
        "transferred",
        "reported_stolen",
        "blocked",
        "recovered",
        "unblocked",
        "scrapped",
      ],
    );
    const heights = d?.history.map((h) => h.height) ?? [];
    assert.deepEqual(
      heights,
      [...heights].sort((a, b) => a - b),
    );
    assert.ok(d?.history.every((h) => /^[0-9a-f]{64}$/.test(h.tx)));
  });

  test("events announce each change with the device's new state and status", () => {
    const c = consortium();
    c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
    c.must(c.tx(shop, "device.sell", { device: PHONE, owner: alice.keyId }));
    const [r] = c.block([c.tx(alice, "report.file", { device: PHONE, kind: "stolen" })]);
    assert.deepEqual(r?.events, [
      {
        type: "device.changed",
        attributes: {
          device: PHONE_KEY,
          event: "reported_stolen",
          state: "stolen",
          status: "BLACKLISTED",
        },
      },
    ]);
  });
});

describe("bulk registration", () => {
  test("all or nothing, naming every refused row", () => {
    const c = consortium();
    c.must(c.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
    const fresh = imei("35000000000010");
    const foreign = imei("49015420000001");
    const [r] = c.block([
      c.tx(mfr, "device.register", {
        devices: [{ ids: [fresh] }, { ids: [PHONE] }, { ids: [foreign] }, { ids: [fresh] }],
      }),
    ]);
    assert.equal(r?.codeName, "TAC_NOT_ALLOCATED", "TAC problems are reported first");
    assert.deepEqual(r?.data, { rows: [{ index: 2, code: "TAC_NOT_ALLOCATED", id: "49015420" }] });
    const [dup] = c.block([
      c.tx(mfr, "device.register", {
        devices: [{ ids: [fresh] }, { ids: [PHONE] }, { ids: [fresh] }],
      }),
    ]);
    assert.equal(dup?.codeName, "DEVICE_EXISTS");
    assert.deepEqual(dup?.data, {
      rows: [
        { index: 1, code: "DEVICE_EXISTS", id: PHONE_KEY },
        { index: 2, code: "DEVICE_EXISTS", id: `imei:${fresh.slice(0, 14)}` },
      ],
    });
    assert.equal(findDevice(c, `imei:${fresh.slice(0, 14)}`), undefined, "nothing was written");
  });

  test("malformed rows are all listed; more than 10,000 identifiers is BULK_TOO_MANY", () => {
    const c = consortium();
    const good = imei("35000000000012");
    const badCheckDigit = good.slice(0, 14) + String((Number(good[14]) + 1) % 10);
    const [bad] = c.block([
      c.tx(mfr, "device.register", {
        devices: [{ ids: [imei("35000000000011")] }, { ids: [badCheckDigit] }, 7, { ids: [] }],
      }),
    ]);
    assert.equal(bad?.codeName, "TX_BAD_PARAMS");
    assert.ok(bad?.data);
    const rows = (bad.data as { rows: { index: number; code: string }[] }).rows;
    assert.deepEqual(
      rows.map((x) => x.index),
      [1, 2, 3],
    );
    assert.equal(rows[0]?.code, "IMEI_BAD_CHECK_DIGIT");
    const many: Json[] = Array.from({ length: 10_001 }, (_, i) => ({
      ids: [imei(`350000${String(i).padStart(8, "0")}`)],
    }));
    const [big] = c.block([c.tx(mfr, "device.register", { devices: many })]);
    assert.equal(big?.codeName, "BULK_TOO_MANY");
  });
});

describe("governance", () => {
  test("TAC ranges: all or none, never twice, only to manufacturers", () => {
    const c = consortium();
    const run = (params: Record<string, string>) =>
      c.block([c.tx(reg, "tac.allocate", params)])[0]?.codeName;
    assert.equal(
      run({ manufacturer: "mfr", from: "34999999", to: "35000000" }),
      "TAC_ALREADY_ALLOCATED",
    );
    assert.equal(c.get("tac/34999999"), undefined, "the free TAC of the range was not taken");
    assert.equal(
      run({ manufacturer: "mfr", from: "36000001", to: "36000000" }),
      "TAC_RANGE_INVALID",
    );
    assert.equal(
      run({ manufacturer: "mfr", from: "36000000", to: "36010000" }),
      "TAC_RANGE_INVALID",
    );
    assert.equal(run({ manufacturer: "shop", from: "36000000", to: "36000000" }), "TX_BAD_PARAMS");
    assert.equal(
      run({ manufacturer: "ghost", from: "36000000", to: "36000000" }),
      "MEMBER_UNKNOWN",
    );
    assert.equal(run({ manufacturer: "mfr", from: "3600000", to: "36000000" }), "TX_BAD_PARAMS");
    assert.equal(run({ manufacturer: "mfr", from: "36000000", to: "36009999" }), "OK");
  });

  test("member ids and keys are unique", () => {
    const c = consortium();
    const admit = (id: string, key: string) =>
      c.block([c.tx(reg, "member.admit", { id, role: "insurer", name: id, key })])[0]?.codeName;
    assert.equal(admit("op", testSigner("x").keyId), "MEMBER_EXISTS");
    assert.equal(admit("ins", op.keyId), "KEY_IN_USE");
    assert.equal(admit("ins", "AAAA"), "TX_BAD_PARAMS");
  });

  test("the last active regulator can never be suspended", () => {
    const c = consortium();
    const reg2 = testSigner("reg2");
    c.must(
      c.tx(reg, "member.admit", { id: "reg2", role: "regulator", name: "2", key: reg2.keyId }),
    );
    assert.equal(readChain(c)?.activeRegulators, 2);
    c.must(c.tx(reg2, "member.suspend", { id: "regulator" }));
    assert.equal(readChain(c)?.activeRegulators, 1);
    assert.equal(
      c.block([c.tx(reg2, "member.suspend", { id: "reg2" })])[0]?.codeName,
      "MEMBER_IS_REGULATOR",
    );
    assert.equal(
      c.block([c.tx(reg, "member.reinstate", { id: "regulator" })])[0]?.codeName,
      "MEMBER_SUSPENDED",
      "a suspended regulator cannot reinstate itself",
    );
    c.must(c.tx(reg2, "member.reinstate", { id: "regulator" }));
    assert.equal(readChain(c)?.activeRegulators, 2);
    assert.equal(readMember(c, "regulator")?.status, "active");
  });
});

describe("checkTx", () => {
  test("checks what needs no other pending transaction, and leaves relations to execution", () => {
    const c = consortium();
    // Nobody owns this device yet; a sale in the same block may make alice its owner.
    const offer = encodeTx(c.tx(alice, "transfer.offer", { device: PHONE, to: bob.keyId }));
    assert.equal(checkTx(c, offer).tx.body.type, "transfer.offer");
    assert.throws(
      () => checkTx(c, encodeTx(c.tx(alice, "transfer.offer", { device: PHONE, to: "x" }))),
      (e) => isError(e, "TX_BAD_PARAMS"),
    );
    assert.throws(
      () => checkTx(c, encodeTx(c.tx(alice, "device.block", { device: PHONE, reason: "fraud" }))),
      (e) => isError(e, "ROLE_FORBIDDEN"),
    );
    const forged = {
      ...c.tx(reg, "member.suspend", { id: "op" }),
      sig: c.tx(reg, "member.suspend", { id: "shop" }).sig,
    };
    assert.throws(
      () => checkTx(c, encodeTx(forged)),
      (e) => isError(e, "TX_BAD_SIGNATURE"),
    );
    assert.equal(TEST_CHAIN, c.tx(reg, "member.suspend", { id: "op" }).body.chain);
  });
});

describe("property: a refused transaction is a no-op", () => {
  const people = { alice, bob };
  const signers = { reg, mfr, shop, police, op, alice, bob };
  type Who = keyof typeof signers;
  const devices = [1, 2, 3, 4, 5, 6].map((n) => imei(`3500000000000${n}`));
  /** Who would plausibly sign each action; one step in five picks anyone instead. */
  const plausible: readonly (readonly Who[])[] = [
    ["mfr"],
    ["shop", "mfr"],
    ["alice", "bob"],
    ["alice", "bob"],
    ["alice", "bob"],
    ["alice", "bob", "police", "op"],
    ["alice", "bob", "police", "op", "reg"],
    ["reg"],
    ["reg"],
    ["alice", "bob", "mfr"],
  ];
  const step = fc
    .record({
      what: fc.integer({ min: 0, max: 9 }),
      pick: fc.nat(),
      wild: fc.integer({ min: 0, max: 4 }),
      device: fc.constantFrom(...devices),
      to: fc.constantFrom(...(Object.keys(people) as (keyof typeof people)[])),
      skew: fc.constantFrom(0, 0, 0, -1),
    })
    .map(({ what, pick, wild, ...rest }) => {
      const pool = wild === 0 ? (Object.keys(signers) as Who[]) : plausible[what]!;
      return { ...rest, what, who: pool[pick % pool.length]! };
    });
  type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

  /** The consortium with devices 1-4 registered, 1-2 sold to alice and 3 to bob. */
  function world(): MemoryChain {
    const c = consortium();
    c.must(
      c.tx(mfr, "device.register", { devices: devices.slice(0, 4).map((d) => ({ ids: [d] })) }),
    );
    c.must(c.tx(shop, "device.sell", { device: devices[0]!, owner: alice.keyId }));
    c.must(c.tx(shop, "device.sell", { device: devices[1]!, owner: alice.keyId }));
    c.must(c.tx(shop, "device.sell", { device: devices[2]!, owner: bob.keyId }));
    return c;
  }

  function txOf(c: MemoryChain, s: Step, nonce: number) {
    const to = people[s.to].keyId;
    const device = s.device;
    const params = [
      ["device.register", { devices: [{ ids: [device] }] }],
      ["device.sell", { device, owner: to }],
      ["transfer.offer", { device, to }],
      ["transfer.accept", { device, offer: c.offerId(device) }],
      ["transfer.cancel", { device, offer: c.offerId(device) }],
      ["report.file", { device, kind: "stolen", reference: "R-1" }],
      ["report.clear", { device }],
      ["device.block", { device, reason: "other" }],
      ["device.unblock", { device }],
      ["device.scrap", { device }],
    ] as const;
    const [type, p] = params[s.what]!;
    return c.tx(signers[s.who], type, p, nonce);
  }

  test("a refused transaction adds nothing to its block but its own spent nonce", () => {
    let succeeded = 0;
    const base = world();
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 30 }), (steps) => {
        const c = base.fork();
        const next = new Map<string, number>();
        const txs = steps.map((s) => {
          const key = signers[s.who].keyId;
          const n = next.get(key) ?? lastNonce(c, key) + 1;
          next.set(key, n + 1);
          return txOf(c, s, n + s.skew);
        });
        const input = { height: 50, time: 1_780_000_000_000 };
        // Each transaction against the block up to it: a refusal may add only its nonce.
        let before = executeBlock(c, { ...input, txs: [] }).writes;
        txs.forEach((tx, i) => {
          const upTo = executeBlock(c, { ...input, txs: txs.slice(0, i + 1).map(encodeTx) });
          const r = upTo.results[i];
          if (r?.code === 0) succeeded++;
          else {
            assert.deepEqual(r?.events, []);
            const key = nonceKey(tx.body.signer);
            const expected = new Map(before);
            if (upTo.writes.get(key) !== before.get(key)) expected.set(key, tx.body.nonce);
            assert.deepEqual(upTo.writes, expected, `${tx.body.type}: ${r?.codeName}`);
          }
          before = upTo.writes;
        });
      }),
      { numRuns: 40 },
    );
    // Random draws vary (about 70 is typical): the bar catches a vacuous property, one that
    // refuses nearly everything, not an unlucky draw.
    assert.ok(succeeded > 25, `only ${succeeded} transactions succeeded: the property is vacuous`);
  });
});

describe("property: every refusal is coded", () => {
  const keys = [
    "device",
    "owner",
    "to",
    "kind",
    "reference",
    "id",
    "role",
    "name",
    "key",
    "newKey",
    "manufacturer",
    "from",
    "devices",
    "ids",
    "serial",
    "by",
    "reason",
    "claim",
    "consent",
  ];
  const str = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(
      PHONE,
      `${PHONE.slice(0, 14)}07`,
      `imei-${PHONE}`,
      "mac-00-1A-2B-3C-4D-5E",
      "serial:mfr:SN-1",
      "serial:",
      "imei:",
      "35000000",
      "stolen",
      "lost",
      "fraud",
      "operator",
      alice.keyId,
      "",
      "\u0000",
      "__proto__",
    ),
  );
  const { value } = fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      str,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom(...keys), tie("value"), { maxKeys: 3, noNullPrototype: true }),
    ),
  }));
  const params = fc.dictionary(fc.constantFrom(...keys), value, {
    maxKeys: 4,
    noNullPrototype: true,
  });

  test("random params for every type and signer never end in INTERNAL", () => {
    const base = consortium();
    base.must(base.tx(mfr, "device.register", { devices: [{ ids: [PHONE] }] }));
    base.must(base.tx(shop, "device.sell", { device: PHONE, owner: alice.keyId }));
    const signers = [reg, mfr, shop, police, op, alice];
    fc.assert(
      fc.property(
        fc.constantFrom(...TX_TYPES),
        fc.nat({ max: signers.length - 1 }),
        params,
        (type, who, p) => {
          const c = base.fork();
          const [r] = c.block([c.tx(signers[who]!, type, p, 10_000)]);
          assert.notEqual(r?.codeName, "INTERNAL", `${type} ${JSON.stringify(p)}: ${r?.log}`);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
