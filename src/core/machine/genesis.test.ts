/** The genesis file: what it must hold, and the state block 0 starts from. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { testSigner } from "../../../tests/support/signers.js";
import { isError } from "../errors/devicechain-error.js";
import { readChain } from "../state/chain.js";
import { readMember } from "../state/member.js";
import type { Overlay } from "../state/overlay.js";
import { defaultPairingSalt } from "../state/pairing.js";
import { initChain, parseGenesis } from "./genesis.js";

const good = {
  chainId: "devicechain-test",
  genesisTime: "2026-01-01T00:00:00Z",
  members: [
    { id: "regulator", role: "regulator", name: "R", key: testSigner("regulator").keyId },
    { id: "mfr", role: "manufacturer", name: "M", key: testSigner("mfr").keyId },
  ],
  tacs: [{ manufacturer: "mfr", from: "35000000", to: "35000009" }],
};

const asReader = (writes: ReturnType<typeof initChain>): Pick<Overlay, "get"> => ({
  get: (k) => writes.get(k) ?? undefined,
});

test("a good genesis parses and gives the chain record, members and TACs", () => {
  const writes = initChain(parseGenesis(good));
  const state = asReader(writes);
  assert.deepEqual(readChain(state), {
    chainId: "devicechain-test",
    activeRegulators: 1,
    // No pairingSalt in the genesis: the default, derived from the chain id (docs/CLONES.md).
    pairingSalt: defaultPairingSalt("devicechain-test"),
  });
  assert.equal(readMember(state, "mfr")?.role, "manufacturer");
  assert.equal(readMember(state, "mfr")?.status, "active");
  assert.equal(state.get("tac/35000009"), "mfr");
  assert.equal(state.get("tac/35000010"), undefined);
  assert.deepEqual(initChain(parseGenesis(good)), writes, "deterministic");
});

test("a bad genesis is refused with GENESIS_INVALID", () => {
  const bad: unknown[] = [
    null,
    "genesis",
    { ...good, chainId: "Upper Case" },
    { ...good, chainId: "" },
    { ...good, genesisTime: "yesterday" },
    { ...good, members: [good.members[1]] },
    { ...good, members: "regulator" },
    { ...good, tacs: {} },
  ];
  for (const g of bad) {
    assert.throws(
      () => parseGenesis(g),
      (e) => isError(e, "GENESIS_INVALID"),
      JSON.stringify(g)?.slice(0, 60),
    );
  }
});

test("genesis entries that the state machine would refuse are refused with GENESIS_INVALID", () => {
  const entries = [
    { ...good, members: [...good.members, good.members[1]!] },
    { ...good, members: [good.members[0]!, { ...good.members[1]!, key: good.members[0]!.key }] },
    { ...good, tacs: [{ manufacturer: "regulator", from: "35000000", to: "35000000" }] },
    { ...good, tacs: [...good.tacs, { manufacturer: "mfr", from: "35000005", to: "35000005" }] },
  ];
  for (const g of entries) {
    assert.throws(
      () => initChain(parseGenesis(g)),
      (e) => isError(e, "GENESIS_INVALID"),
    );
  }
});

test("genesis entries that are not objects are refused with GENESIS_INVALID, not a TypeError", () => {
  const shapes = [
    { ...good, members: [...good.members, null] },
    { ...good, members: [...good.members, 7] },
    { ...good, tacs: [null] },
    { ...good, tacs: ["35000000"] },
  ];
  for (const g of shapes) {
    assert.throws(
      () => initChain(parseGenesis(g)),
      (e) => isError(e, "GENESIS_INVALID"),
      JSON.stringify(g).slice(-40),
    );
  }
});
