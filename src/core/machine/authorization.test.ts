/**
 * The whole authorisation matrix, cell by cell: every transaction type signed by every role,
 * from a state in which the transaction would otherwise succeed. Allowed cells commit (code 0);
 * the rest are refused with ROLE_FORBIDDEN. Then the conditions of the rows, each with its code.
 */
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, test } from "node:test";
import { issueCert } from "../../../tests/support/attestation.js";
import { insuranceConsent } from "../../../tests/support/insurance-consent.js";
import { MemoryChain, withoutNonces } from "../../../tests/support/memory-chain.js";
import { testSigner } from "../../../tests/support/signers.js";
import type { Signer } from "../crypto/ed25519.js";
import type { JsonObject } from "../encoding/canonical-json.js";
import { luhnCheckDigit } from "../identifiers/luhn.js";
import { readDevice } from "../state/device.js";
import { deviceState } from "../state/device-state.js";
import { MEMBER_ROLES, type Role } from "../state/role.js";
import { signTx } from "../tx/transaction.js";
import { TX_TYPES, type TxType } from "../tx/tx-type.js";
import { AUTHORIZATION } from "./authorization.js";
import { lastNonce, NONCE_WINDOW } from "./verify.js";

const ROLES: readonly Role[] = [...MEMBER_ROLES, "owner"];

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const UNSOLD = imei("35000000000001");
const OWNED = imei("35000000000002"); // alice's, clean
const OFFERED_TO_ALICE = imei("35000000000003"); // dave's, offered to alice
const ALICE_OFFERING = imei("35000000000004"); // alice's, offered to bob
const MARKED = imei("35000000000005"); // alice's, marked stolen by alice, police and operator
const BLOCKED = imei("35000000000006"); // blocked by the regulator
const CLONED = imei("35000000000007"); // alice's, clone suspected by operator-2, paired with PAIRED
const PAIRED = "a".repeat(64); // a pairing hash on CLONED
const SETTLED = imei("35000000000008"); // alice's, stolen, its title taken by the insurer
const primary = (id: string): string => `imei:${id.slice(0, 14)}`;
const FRESH = imei("35000000000099");
const ROOT_A = issueCert({ subject: "/CN=Root A" }); // the manufacturer's registered root
const ROOT_B = issueCert({ subject: "/CN=Root B" });
const ROOT_A_SHA256 = new X509Certificate(ROOT_A.pem).fingerprint256
  .replaceAll(":", "")
  .toLowerCase();

/** One signer per role; "owner" is alice, a person. */
const signers: Record<Role, Signer> = {
  regulator: testSigner("regulator"),
  operator: testSigner("operator"),
  manufacturer: testSigner("manufacturer"),
  law_enforcement: testSigner("police"),
  retailer: testSigner("retailer"),
  marketplace: testSigner("marketplace"),
  insurer: testSigner("insurer"),
  owner: testSigner("alice"),
};
const memberIds: Record<Exclude<Role, "owner">, string> = {
  regulator: "regulator",
  operator: "operator",
  manufacturer: "manufacturer",
  law_enforcement: "police",
  retailer: "retailer",
  marketplace: "marketplace",
  insurer: "insurer",
};
const bob = testSigner("bob");
const dave = testSigner("dave");

/** A state in which each allowed cell's transaction would succeed. */
function baseChain(): MemoryChain {
  const c = MemoryChain.withRegulator();
  const reg = signers.regulator;
  for (const role of MEMBER_ROLES.filter((r) => r !== "regulator")) {
    c.must(
      c.tx(reg, "member.admit", {
        id: memberIds[role],
        role,
        name: role,
        key: signers[role].keyId,
      }),
    );
  }
  c.must(
    c.tx(reg, "member.admit", {
      id: "operator-2",
      role: "operator",
      name: "second",
      key: testSigner("op2").keyId,
    }),
  );
  c.must(
    c.tx(reg, "member.admit", {
      id: "gone",
      role: "insurer",
      name: "gone",
      key: testSigner("gone").keyId,
    }),
  );
  c.must(c.tx(reg, "member.suspend", { id: "gone" }));
  c.must(
    c.tx(reg, "tac.allocate", { manufacturer: "manufacturer", from: "35000000", to: "35000000" }),
  );
  const devices = [
    UNSOLD,
    OWNED,
    OFFERED_TO_ALICE,
    ALICE_OFFERING,
    MARKED,
    BLOCKED,
    CLONED,
    SETTLED,
  ].map((id) => ({ ids: [id] }));
  c.must(c.tx(signers.manufacturer, "device.register", { devices }));
  c.must(c.tx(signers.manufacturer, "root.add", { cert: ROOT_A.der }));
  const alice = signers.owner;
  const shop = signers.retailer;
  c.must(c.tx(shop, "device.sell", { device: OWNED, owner: alice.keyId }));
  c.must(c.tx(shop, "device.sell", { device: OFFERED_TO_ALICE, owner: dave.keyId }));
  c.must(c.tx(dave, "transfer.offer", { device: OFFERED_TO_ALICE, to: alice.keyId }));
  c.must(c.tx(shop, "device.sell", { device: ALICE_OFFERING, owner: alice.keyId }));
  c.must(c.tx(alice, "transfer.offer", { device: ALICE_OFFERING, to: bob.keyId }));
  c.must(c.tx(shop, "device.sell", { device: MARKED, owner: alice.keyId }));
  c.must(c.tx(alice, "report.file", { device: MARKED, kind: "stolen" }));
  c.must(
    c.tx(signers.law_enforcement, "report.file", {
      device: MARKED,
      kind: "stolen",
      reference: "CASE-1",
    }),
  );
  c.must(
    c.tx(signers.operator, "report.file", { device: MARKED, kind: "lost", reference: "SUB-1" }),
  );
  c.must(c.tx(reg, "device.block", { device: BLOCKED, reason: "counterfeit" }));
  c.must(c.tx(shop, "device.sell", { device: CLONED, owner: alice.keyId }));
  c.must(
    c.tx(testSigner("op2"), "clone.suspect", {
      device: CLONED,
      rule: "r",
      evidence: "e".repeat(64),
    }),
  );
  c.must(c.tx(reg, "pairing.add", { device: CLONED, hash: PAIRED }));
  c.must(c.tx(reg, "pairing.delegate", { manufacturer: "manufacturer" }));
  c.must(c.tx(shop, "device.sell", { device: SETTLED, owner: alice.keyId }));
  c.must(c.tx(alice, "report.file", { device: SETTLED, kind: "stolen" }));
  const insurer = signers.insurer.keyId;
  const claim = "CLAIM-0";
  const consent = insuranceConsent(alice, { device: primary(SETTLED), insurer, claim });
  c.must(c.tx(signers.insurer, "insurance.settle", { device: SETTLED, claim, consent }));
  return c;
}

/** The transaction each role would sign in each row; allowed roles must succeed with it. */
function paramsFor(type: TxType, role: Role, c: MemoryChain): JsonObject {
  switch (type) {
    case "member.admit":
      return { id: "newcomer", role: "insurer", name: "New", key: testSigner("newcomer").keyId };
    case "member.suspend":
      return { id: "operator-2" };
    case "member.reinstate":
      return { id: "gone" };
    case "key.rotate":
      return { newKey: testSigner(`rotated-${role}`).keyId };
    case "tac.allocate":
      return { manufacturer: "manufacturer", from: "35999999", to: "35999999" };
    case "device.register":
      return { devices: [{ ids: [FRESH] }] };
    case "root.add":
      return { cert: ROOT_B.der };
    case "root.remove":
      return { sha256: ROOT_A_SHA256 };
    case "devicekey.set":
      return { device: OWNED, key: testSigner(`device-${role}`).keyId };
    case "device.sell":
      return { device: UNSOLD, owner: bob.keyId };
    case "transfer.offer":
      return { device: OWNED, to: bob.keyId };
    case "transfer.accept":
      return { device: OFFERED_TO_ALICE, offer: c.offerId(OFFERED_TO_ALICE) };
    case "transfer.cancel":
      return { device: ALICE_OFFERING, offer: c.offerId(ALICE_OFFERING) };
    case "report.file":
      return { device: OWNED, kind: "stolen", reference: "REF-1" };
    case "report.clear":
      return { device: role === "insurer" ? SETTLED : MARKED };
    case "insurance.settle":
      return {
        device: MARKED,
        claim: "CLAIM-1",
        consent: insuranceConsent(signers.owner, {
          device: primary(MARKED),
          insurer: signers[role].keyId,
          claim: "CLAIM-1",
        }),
      };
    case "device.block":
      return { device: OWNED, reason: "fraud" };
    case "device.unblock":
      return { device: BLOCKED };
    case "device.scrap":
      return { device: role === "manufacturer" ? UNSOLD : OWNED };
    case "clone.suspect":
      return { device: CLONED, rule: "imei-multi-subscriber", evidence: "0".repeat(64) };
    case "clone.clear":
      return { device: CLONED };
    case "pairing.add":
      return { device: CLONED, hash: "b".repeat(64) };
    case "pairing.remove":
      return { device: CLONED, hash: PAIRED };
    case "pairing.delegate":
      return { manufacturer: "manufacturer", revoke: true };
    case "validator.set":
      return { member: "manufacturer", pubKey: Buffer.alloc(32, 7).toString("base64"), power: 10 };
    case "usage.attest":
      return {
        month: "2000-01",
        statement: "a".repeat(32),
        sha256: "b".repeat(64),
        nodeKey: testSigner("node").keyId,
      };
  }
}

describe("authorisation matrix: every transaction type × every role", () => {
  const base = baseChain();
  for (const type of TX_TYPES) {
    for (const role of ROLES) {
      const allowed = AUTHORIZATION[type][role] !== undefined;
      test(`${type} by ${role}: ${allowed ? "allowed" : "ROLE_FORBIDDEN"}`, () => {
        const c = base.fork();
        const tx = c.tx(signers[role], type, paramsFor(type, role, c));
        const [r] = c.block([tx]);
        assert.equal(r?.codeName, allowed ? "OK" : "ROLE_FORBIDDEN", r?.log);
        if (!allowed) {
          assert.deepEqual(
            withoutNonces(c.state),
            withoutNonces(base.state),
            "a refused transaction changes nothing but its signer's nonce",
          );
          assert.equal(lastNonce(c, tx.body.signer), tx.body.nonce, "its nonce is spent");
        }
      });
    }
  }
});

describe("conditions of the matrix", () => {
  const base = baseChain();
  const run = (signer: Signer, type: TxType, params: JsonObject) => {
    const c = base.fork();
    const [r] = c.block([c.tx(signer, type, params)]);
    return { c, code: r?.codeName };
  };

  test("only the maker of a mark, or the regulator, can clear it", () => {
    const c = base.fork();
    const [r1] = c.block([c.tx(signers.owner, "report.clear", { device: MARKED })]);
    assert.equal(r1?.codeName, "OK");
    // Alice's own mark is gone; the police and operator marks stay.
    assert.equal(readDevice(c, `imei:${MARKED.slice(0, 14)}`)?.marks.length, 2);
    const [again] = c.block([c.tx(signers.owner, "report.clear", { device: MARKED })]);
    assert.equal(again?.codeName, "DEVICE_NO_MARK");
    assert.equal(
      run(signers.law_enforcement, "report.clear", { device: OWNED }).code,
      "DEVICE_NO_MARK",
    );
    const all = run(signers.regulator, "report.clear", { device: MARKED });
    assert.equal(all.code, "OK");
    const d = readDevice(all.c, `imei:${MARKED.slice(0, 14)}`);
    assert.ok(d);
    assert.equal(deviceState(d), "recovered");
  });

  test("a device reported stolen cannot be sold, offered or accepted", () => {
    assert.equal(
      run(signers.owner, "transfer.offer", { device: MARKED, to: bob.keyId }).code,
      "DEVICE_NOT_TRANSFERABLE",
    );
    const c = base.fork();
    // An offer made before a report cannot be accepted after it.
    c.must(c.tx(dave, "report.file", { device: OFFERED_TO_ALICE, kind: "stolen" }));
    const accept = { device: OFFERED_TO_ALICE, offer: c.offerId(OFFERED_TO_ALICE) };
    const [r] = c.block([c.tx(signers.owner, "transfer.accept", accept)]);
    assert.equal(r?.codeName, "DEVICE_NOT_TRANSFERABLE");
    assert.equal(
      run(signers.owner, "transfer.offer", { device: BLOCKED, to: bob.keyId }).code,
      "DEVICE_NOT_OWNER",
    );
  });

  test("an acceptance names its offer: signed for one offer, it cannot take a later one", () => {
    const c = base.fork();
    const first = c.offerId(ALICE_OFFERING);
    // Bob signs an acceptance of Alice's offer; Alice withdraws it before it is submitted.
    const consent = c.tx(bob, "transfer.accept", { device: ALICE_OFFERING, offer: first });
    c.must(c.tx(signers.owner, "transfer.cancel", { device: ALICE_OFFERING, offer: first }));
    c.must(c.tx(signers.owner, "transfer.offer", { device: ALICE_OFFERING, to: bob.keyId }));
    const second = c.offerId(ALICE_OFFERING);
    assert.notEqual(second, first);
    const [r] = c.block([consent]);
    assert.equal(r?.codeName, "OFFER_CHANGED", "an old signature cannot accept a new offer");
    assert.equal(readDevice(c, `imei:${ALICE_OFFERING.slice(0, 14)}`)?.owner, signers.owner.keyId);
    const stale = c.tx(signers.owner, "transfer.cancel", { device: ALICE_OFFERING, offer: first });
    assert.equal(c.block([stale])[0]?.codeName, "OFFER_CHANGED");
    const accept = c.tx(bob, "transfer.accept", { device: ALICE_OFFERING, offer: second });
    assert.equal(c.block([accept])[0]?.codeName, "OK");
  });

  test("a manufacturer registers only under its own TACs", () => {
    assert.equal(
      run(signers.manufacturer, "device.register", { devices: [{ ids: [imei("49015420000001")] }] })
        .code,
      "TAC_NOT_ALLOCATED",
    );
    assert.equal(
      run(signers.manufacturer, "device.register", { devices: [{ ids: [OWNED] }] }).code,
      "DEVICE_EXISTS",
    );
  });

  test("owners act only on their own devices and offers addressed to them", () => {
    assert.equal(
      run(bob, "transfer.offer", { device: OWNED, to: dave.keyId }).code,
      "DEVICE_NOT_OWNER",
    );
    assert.equal(
      run(bob, "report.file", { device: OWNED, kind: "stolen" }).code,
      "DEVICE_NOT_OWNER",
    );
    assert.equal(
      run(bob, "transfer.accept", {
        device: OFFERED_TO_ALICE,
        offer: base.offerId(OFFERED_TO_ALICE),
      }).code,
      "OFFER_NOT_FOR_YOU",
    );
    assert.equal(run(bob, "device.scrap", { device: OWNED }).code, "DEVICE_NOT_OWNER");
  });

  test("police and operators report with a reference; police only report theft", () => {
    assert.equal(
      run(signers.law_enforcement, "report.file", { device: OWNED, kind: "stolen" }).code,
      "REFERENCE_REQUIRED",
    );
    assert.equal(
      run(signers.operator, "report.file", { device: OWNED, kind: "lost" }).code,
      "REFERENCE_REQUIRED",
    );
    assert.equal(
      run(signers.law_enforcement, "report.file", { device: OWNED, kind: "lost", reference: "C-2" })
        .code,
      "TX_BAD_PARAMS",
    );
  });

  test("a manufacturer sells and scraps only what it registered, and never a sold device", () => {
    assert.equal(
      run(signers.manufacturer, "device.sell", { device: OWNED, owner: bob.keyId }).code,
      "DEVICE_ALREADY_SOLD",
    );
    assert.equal(
      run(signers.retailer, "device.sell", { device: UNSOLD, owner: signers.operator.keyId }).code,
      "KEY_IN_USE",
    );
    assert.notEqual(run(signers.manufacturer, "device.scrap", { device: OWNED }).code, "OK");
  });

  test("a suspended member signs nothing; the last regulator cannot be suspended", () => {
    assert.equal(
      run(testSigner("gone"), "key.rotate", { newKey: testSigner("x").keyId }).code,
      "MEMBER_SUSPENDED",
    );
    assert.equal(
      run(signers.regulator, "member.suspend", { id: "regulator" }).code,
      "MEMBER_IS_REGULATOR",
    );
    assert.equal(
      run(signers.regulator, "member.reinstate", { id: "operator" }).code,
      "MEMBER_NOT_SUSPENDED",
    );
    assert.equal(
      run(signers.regulator, "device.unblock", { device: OWNED }).code,
      "DEVICE_NOT_BLOCKED",
    );
    assert.equal(
      run(signers.regulator, "device.block", { device: BLOCKED, reason: "fraud" }).code,
      "DEVICE_ALREADY_BLOCKED",
    );
  });

  test("a failed transaction spends its nonce and nothing else: its bytes never run again", () => {
    const c = base.fork();
    const before = new Map(c.state);
    const refused = c.tx(bob, "transfer.offer", { device: OWNED, to: dave.keyId }, 7);
    const [r] = c.block([refused]);
    assert.equal(r?.codeName, "DEVICE_NOT_OWNER");
    assert.deepEqual(withoutNonces(c.state), withoutNonces(before));
    assert.equal(lastNonce(c, bob.keyId), 7);
    const [again] = c.block([refused]);
    assert.equal(again?.codeName, "TX_NONCE_REPLAYED");
    // A forged or foreign transaction spends nobody's nonce: only the signer's own can.
    const forged = { ...c.tx(bob, "transfer.offer", { device: OWNED, to: dave.keyId }, 8) };
    const [bad] = c.block([
      { ...forged, sig: c.tx(dave, "transfer.offer", { device: OWNED, to: bob.keyId }).sig },
    ]);
    assert.equal(bad?.codeName, "TX_BAD_SIGNATURE");
    assert.equal(lastNonce(c, bob.keyId), 7, "a bad signature spends no nonce");
    const elsewhere = signTx(bob, { ...forged.body, chain: "another-chain" });
    const [other] = c.block([elsewhere]);
    assert.equal(other?.codeName, "TX_WRONG_CHAIN");
    assert.equal(lastNonce(c, bob.keyId), 7, "a transaction for another chain spends no nonce");
  });

  test("nonces are strict: above the last, by at most the window", () => {
    const c = base.fork();
    const last = lastNonce(c, signers.owner.keyId);
    const offer = (n: number) =>
      c.tx(signers.owner, "transfer.offer", { device: OWNED, to: bob.keyId }, n);
    const [far] = c.block([offer(last + NONCE_WINDOW + 1)]);
    assert.equal(far?.codeName, "TX_NONCE_TOO_HIGH");
    const [max] = c.block([offer(2 ** 53 - 1)]);
    assert.equal(max?.codeName, "TX_NONCE_TOO_HIGH", "a key cannot be bricked by a huge nonce");
    assert.equal(lastNonce(c, signers.owner.keyId), last, "nor does a refused jump spend one");
    const [edge] = c.block([offer(last + NONCE_WINDOW)]);
    assert.equal(edge?.codeName, "OK");
    assert.equal(lastNonce(c, signers.owner.keyId), last + NONCE_WINDOW);
  });

  test("a rotated key signs, the old one is an owner's key no longer a member's", () => {
    const c = base.fork();
    const next = testSigner("operator-next");
    c.must(c.tx(signers.operator, "key.rotate", { newKey: next.keyId }));
    const [old] = c.block([
      c.tx(signers.operator, "report.file", { device: OWNED, kind: "lost", reference: "R-1" }),
    ]);
    assert.equal(old?.codeName, "DEVICE_NOT_OWNER", "the old key now resolves to a keyless owner");
    const [fresh] = c.block([
      c.tx(next, "report.file", { device: OWNED, kind: "lost", reference: "R-1" }),
    ]);
    assert.equal(fresh?.codeName, "OK");
  });
});
