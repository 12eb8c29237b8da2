/**
 * The test consortium: the genesis every test chain starts from (one regulator), the members
 * tests admit, and the regulator's transactions that admit them and allocate their TACs. Unit
 * tests run the steps on a MemoryChain (tests/support/memory-chain.ts), e2e tests submit them to
 * a node (tests/e2e/e2e-node.ts); either way a test names the members it needs.
 */
import type { Signer } from "../../src/core/crypto/ed25519.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import type { Genesis } from "../../src/core/machine/genesis.js";
import type { MemberRole } from "../../src/core/state/role.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { TEST_CHAIN, testSigner } from "./signers.js";

/** A member as tests name it: its id (also its signer's name) and role. */
export interface TestMember {
  readonly id: string;
  readonly role: MemberRole;
  readonly signer: Signer;
}

/** The member `id` with `role`, signing with testSigner(id). */
export const testMember = (id: string, role: MemberRole): TestMember => ({
  id,
  role,
  signer: testSigner(id),
});

/** The regulator of every test genesis: member id "regulator", testSigner("regulator"). */
export const REGULATOR = testMember("regulator", "regulator");
/** The members most tests admit. */
export const ACME = testMember("acme", "manufacturer");
export const SHOP = testMember("shop", "retailer");
export const POLICE = testMember("police", "law_enforcement");
export const OPERATOR = testMember("operator", "operator");

/** The TAC of TS 23.003 Annex B's example IMEI 49015420323751(8), and the demo's 35693803. */
export const EXAMPLE_TAC = "49015420";
export const DEMO_TAC = "35693803";

/** The genesis of a test chain: TEST_CHAIN with the regulator as its only member. */
export function testGenesis(over: Partial<Genesis> = {}): Genesis {
  return {
    chainId: TEST_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [
      { id: "regulator", role: "regulator", name: "Regulator", key: REGULATOR.signer.keyId },
    ],
    ...over,
  };
}

/** One transaction a test chain should run, without its nonce: the chain or the test picks it. */
export interface TxStep {
  readonly signer: Signer;
  readonly type: TxType;
  readonly params: JsonObject;
}

/** The regulator's member.admit of `m`. */
export const admission = (m: TestMember, regulator = REGULATOR.signer): TxStep => ({
  signer: regulator,
  type: "member.admit",
  params: { id: m.id, role: m.role, name: m.id, key: m.signer.keyId },
});

/** The regulator's tac.allocate of the range from..to (8-digit TACs) to a manufacturer. */
export const tacAllocation = (
  manufacturer: TestMember,
  from: string,
  to = from,
  regulator = REGULATOR.signer,
): TxStep => ({
  signer: regulator,
  type: "tac.allocate",
  params: { manufacturer: manufacturer.id, from, to },
});

/**
 * The regulator's transactions that set up a consortium: admit `members` in order, then allocate
 * each TAC range in `tacs` ([manufacturer, from, to?]). The regulator is the test genesis's unless
 * given (a local consortium's, in tests/bft).
 */
export function consortiumSteps(
  members: readonly TestMember[],
  tacs: readonly (readonly [TestMember, string, string?])[] = [],
  regulator = REGULATOR.signer,
): TxStep[] {
  return [
    ...members.map((m) => admission(m, regulator)),
    ...tacs.map(([m, from, to]) => tacAllocation(m, from, to ?? from, regulator)),
  ];
}

/** Two owners, people: keys that belong to no member. */
export const ALICE = testSigner("alice");
export const BOB = testSigner("bob");

/** TS 23.003 Annex B's example IMEI 49015420323751, check digit 8: alice's, reported stolen. */
export const STOLEN_PHONE = "490154203237518";
/** The stolen phone's Wi-Fi MAC, registered with it. */
export const STOLEN_PHONE_MAC = "aa:bb:cc:dd:ee:01";
/** The next IMEI of that TAC: bob's, clean. */
export const CLEAN_PHONE = "490154203237526";

/**
 * The REST tests' chain: acme (EXAMPLE_TAC), shop and police admitted; acme registers the two
 * phones, the shop sells STOLEN_PHONE to alice and CLEAN_PHONE to bob, and alice reports hers
 * stolen.
 */
export function examplePhoneSteps(): TxStep[] {
  return [
    ...consortiumSteps([ACME, SHOP, POLICE], [[ACME, EXAMPLE_TAC]]),
    {
      signer: ACME.signer,
      type: "device.register",
      params: { devices: [{ ids: [STOLEN_PHONE, STOLEN_PHONE_MAC] }, { ids: [CLEAN_PHONE] }] },
    },
    {
      signer: SHOP.signer,
      type: "device.sell",
      params: { device: STOLEN_PHONE, owner: ALICE.keyId },
    },
    { signer: SHOP.signer, type: "device.sell", params: { device: CLEAN_PHONE, owner: BOB.keyId } },
    { signer: ALICE, type: "report.file", params: { device: STOLEN_PHONE, kind: "stolen" } },
  ];
}
