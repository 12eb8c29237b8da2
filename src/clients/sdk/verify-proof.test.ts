import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { ErrorCode } from "../../core/errors/catalogue.js";
import { isError } from "../../core/errors/devicechain-error.js";
import { verifyBlock, verifyProof, verifyProofAt } from "./verify-proof.js";

/**
 * Recorded from a devicechain node (LMDB, embedded engine; tests/e2e/proof.test.ts does the same
 * live): a chain whose regulator admitted the manufacturer acme and allocated it TAC 49015420,
 * then acme registered IMEI 49015420323751 (TS 23.003 Annex B) in block 3. NODE_KEY is that node's
 * node.key, as GET /v1/webhooks/signing-key serves it; BLOCK is GET /v1/blocks/3; the proofs come
 * from LedgerStore.stateProof at height 3. Kept as recorded, so that a change to any hash or to the
 * signed header bytes, which would strand clients holding proofs, fails here.
 */
const NODE_KEY = "bU1I7whyaWyCFBO1kUwvZbh8xTXripJaCqLd1X13TEg";
const BLOCK = {
  hash: "68c0a7b45041936a05c3b479325db07f7334a91a4db12fe8bb1a1c92dce71dad",
  header: {
    chainId: "devicechain-e2e",
    height: 3,
    time: 1796411158732,
    prevHash: "75d367fe6c41fef70c0bd175f56cfeb793b7d9c77c010ead3f3ea1ce50dc2991",
    txRoot: "fd34eebdce817311a2aed4d6dfd126c3b4dbc78e93e9cffc7ef2ea09ebb72603",
    appHash: "86ef39644e79b88284533ce55b0ebe414008583684049afa287a23678be0d18c",
    numTxs: 1,
  },
  txs: ["f4a1fb2521fee41325b009bee0fcd32626e595b68f7096f9c23f2405a8eafe04"],
  signature: {
    keyId: "bU1I7whyaWyCFBO1kUwvZbh8xTXripJaCqLd1X13TEg",
    sig: "qcOs87ds80_kcdRMkGIfZ6XX3SjsPl-DgMknt5yHljB1rVfy5psJaxHlFiVhQbJNwXxCo_LmxlqQoYeYS7oNDw",
  },
};
/** device/imei:49015420323751: present, alone in its bucket. */
const DEVICE_PROOF = {
  key: "device/imei:49015420323751",
  value: {
    id: "imei:49015420323751",
    ids: ["imei:49015420323751"],
    manufacturer: "acme",
    marks: [],
    history: [
      {
        height: 3,
        time: 1796411158732,
        tx: "f4a1fb2521fee41325b009bee0fcd32626e595b68f7096f9c23f2405a8eafe04",
        actor: "manufacturer",
        event: "registered",
      },
    ],
  },
  leaves: [
    {
      keyHash: "6f53a4242145d08a4c3df48ec21a01c78808499d48b7e691d261a66a10ca6dd4",
      valueHash: "c12b4228e04a3f6b2855d280122e02445aafab77d1486f73fffda9aa95a46f66",
    },
  ],
  path: [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "8ed61132b51f3a07b1ae834e1d36a6c095a9f29e64ac8cdd0dfb0cfb04e1d7b4",
    "4b7ad9129b45c27e9204909dd9e65da3384e01eb7cbbc51806086fb064acae99",
    "098901c7447638647159ce9e195daed80f5f9e432bc96b7e2be32849e32e6510",
  ],
};
/** device/imei:49015420323769: never registered; its bucket is empty. */
const ABSENT_PROOF = {
  key: "device/imei:49015420323769",
  value: null,
  leaves: [],
  path: [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "95dcc8e42234fbf1b0692ce4e9f2cde998fe4acb1845cf80607649f2a2b6c065",
    "8ed61132b51f3a07b1ae834e1d36a6c095a9f29e64ac8cdd0dfb0cfb04e1d7b4",
    "4b7ad9129b45c27e9204909dd9e65da3384e01eb7cbbc51806086fb064acae99",
    "098901c7447638647159ce9e195daed80f5f9e432bc96b7e2be32849e32e6510",
  ],
};

function assertCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => isError(e, code), code);
}

test("a node's recorded block verifies against its key, and a changed header does not", () => {
  assert.equal(verifyBlock(BLOCK, [NODE_KEY]).appHash, BLOCK.header.appHash);
  const later = { ...BLOCK.header, time: BLOCK.header.time + 1 };
  assertCode(() => verifyBlock({ ...BLOCK, header: later }, [NODE_KEY]), "PROOF_MALFORMED");
  assertCode(
    () => verifyBlock({ header: later, signature: BLOCK.signature }, [NODE_KEY]),
    "HEADER_BAD_SIGNATURE",
  );
  assertCode(() => verifyBlock({ header: BLOCK.header }, [NODE_KEY]), "HEADER_UNSIGNED");
});

test("the node's proofs verify: the device's record, and the unregistered IMEI's absence", () => {
  const device = verifyProof({ proof: DEVICE_PROOF, block: BLOCK, trustedKeys: [NODE_KEY] });
  assert.deepEqual(device, { key: DEVICE_PROOF.key, value: DEVICE_PROOF.value, height: 3 });
  const absent = verifyProof({ proof: ABSENT_PROOF, block: BLOCK, trustedKeys: [NODE_KEY] });
  assert.deepEqual(absent, { key: ABSENT_PROOF.key, value: null, height: 3 });
  assert.equal(verifyProofAt(DEVICE_PROOF, BLOCK.header.appHash).key, DEVICE_PROOF.key);
});

test("tampered proofs fail with their codes", () => {
  const trusted = { block: BLOCK, trustedKeys: [NODE_KEY] };
  const stolen = { ...DEVICE_PROOF.value, marks: [{ kind: "stolen" }] };
  assertCode(
    () => verifyProof({ ...trusted, proof: { ...DEVICE_PROOF, value: stolen } }),
    "PROOF_VALUE_MISMATCH",
  );
  assertCode(
    () => verifyProof({ ...trusted, proof: { ...DEVICE_PROOF, value: null } }),
    "PROOF_VALUE_MISMATCH",
  );
  // The absent IMEI's proof reused for the registered one: another bucket, another path.
  assertCode(
    () =>
      verifyProof({
        ...trusted,
        proof: { ...ABSENT_PROOF, key: DEVICE_PROOF.key, value: DEVICE_PROOF.value },
      }),
    "PROOF_VALUE_MISMATCH",
  );
  assertCode(
    () => verifyProof({ ...trusted, proof: { ...ABSENT_PROOF, key: DEVICE_PROOF.key } }),
    "PROOF_ROOT_MISMATCH",
  );
  const path = [...DEVICE_PROOF.path];
  path[19] = "00".repeat(32);
  assertCode(
    () => verifyProof({ ...trusted, proof: { ...DEVICE_PROOF, path } }),
    "PROOF_ROOT_MISMATCH",
  );
  assertCode(
    () => verifyProof({ ...trusted, proof: { ...DEVICE_PROOF, leaves: "none" } }),
    "PROOF_MALFORMED",
  );
  assertCode(() => verifyProofAt(DEVICE_PROOF, "not hex"), "PROOF_MALFORMED");
});
