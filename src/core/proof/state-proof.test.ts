import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compareBytes, toHex } from "../encoding/bytes.js";
import { canonicalize, type Json } from "../encoding/canonical-json.js";
import type { ErrorCode } from "../errors/catalogue.js";
import { isError } from "../errors/devicechain-error.js";
import {
  BUCKET_BITS,
  bucketHash,
  bucketOf,
  keyHashOf,
  type Leaf,
  leafOf,
  nodeHash,
  ZERO_HASH,
} from "./bucket-hash.js";
import {
  decodeStateProof,
  type StateProof,
  stateProofToJson,
  verifyStateProof,
} from "./state-proof.js";

/**
 * A state by definition, in the test alone: leaves by bucket, and each subtree's hash computed
 * recursively over the non-empty buckets. The prover below is independent of the ledger's tree.
 */
class ModelState {
  private readonly byBucket = new Map<number, Leaf[]>();
  private readonly values = new Map<string, Json>();

  constructor(entries: Iterable<[string, Json]>, extra: readonly Leaf[] = []) {
    for (const [key, value] of entries) {
      this.values.set(key, value);
      this.add(leafOf(key, canonicalize(value)));
    }
    for (const l of extra) this.add(l);
  }

  private add(l: Leaf): void {
    const b = bucketOf(l.keyHash);
    const leaves = this.byBucket.get(b) ?? [];
    leaves.push(l);
    leaves.sort((x, y) => compareBytes(x.keyHash, y.keyHash));
    this.byBucket.set(b, leaves);
  }

  /** The hash of the subtree over buckets [start, start + size). */
  private subtree(start: number, size: number): Uint8Array {
    if (size === 1) return bucketHash(this.byBucket.get(start) ?? []);
    if (![...this.byBucket.keys()].some((b) => b >= start && b < start + size)) return ZERO_HASH;
    const half = size / 2;
    return nodeHash(this.subtree(start, half), this.subtree(start + half, half));
  }

  root(): Uint8Array {
    return this.subtree(0, 2 ** BUCKET_BITS);
  }

  prove(key: string): StateProof {
    const bucket = bucketOf(keyHashOf(key));
    const path: Uint8Array[] = [];
    for (let size = 1; size < 2 ** BUCKET_BITS; size *= 2) {
      const sibling = (Math.floor(bucket / size) ^ 1) * size;
      path.push(this.subtree(sibling, size));
    }
    return {
      key,
      value: this.values.get(key) ?? null,
      leaves: this.byBucket.get(bucket) ?? [],
      path,
    };
  }
}

/** A leaf of some other key in the same bucket as `key` (its hash shares the first 20 bits). */
function neighbourOf(key: string, salt: number): Leaf {
  const keyHash = keyHashOf(key).slice();
  keyHash[31] = salt;
  keyHash[30] = (keyHash[30]! + 1) & 0xff;
  return { keyHash, valueHash: keyHashOf(`value ${salt}`) };
}

const DEVICE = "device/imei:49015420323751";
const RECORD: Json = { id: "imei:49015420323751", ids: ["imei:49015420323751"], marks: [] };

function fixture() {
  const state = new ModelState(
    [
      [DEVICE, RECORD],
      ["chain", { chainId: "t" }],
      ["member/regulator", { role: "regulator" }],
    ],
    [neighbourOf(DEVICE, 1), neighbourOf(DEVICE, 2), neighbourOf("device/absent-but-crowded", 3)],
  );
  return { state, root: state.root() };
}

function assertCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => isError(e, code), code);
}

test("an inclusion proof verifies and returns the proved value, in a crowded bucket too", () => {
  const { state, root } = fixture();
  const proof = state.prove(DEVICE);
  assert.equal(proof.leaves.length, 3, "the device shares its bucket with two others");
  assert.deepEqual(verifyStateProof(proof, root), { key: DEVICE, value: RECORD });
  assert.deepEqual(verifyStateProof(state.prove("chain"), root).value, { chainId: "t" });
});

test("non-inclusion: a key absent from an empty bucket, and from a bucket with other leaves", () => {
  const { state, root } = fixture();
  const empty = state.prove("device/imei:35000000000000");
  assert.equal(empty.leaves.length, 0);
  assert.deepEqual(verifyStateProof(empty, root), {
    key: "device/imei:35000000000000",
    value: null,
  });
  const crowded = state.prove("device/absent-but-crowded");
  assert.equal(crowded.leaves.length, 1);
  assert.equal(verifyStateProof(crowded, root).value, null);
});

test("a changed value, or a claimed absence of a present key, fails PROOF_VALUE_MISMATCH", () => {
  const { state, root } = fixture();
  const proof = state.prove(DEVICE);
  assertCode(
    () => verifyStateProof({ ...proof, value: { ...(RECORD as object), marks: ["stolen"] } }, root),
    "PROOF_VALUE_MISMATCH",
  );
  assertCode(() => verifyStateProof({ ...proof, value: null }, root), "PROOF_VALUE_MISMATCH");
  const absent = state.prove("device/absent-but-crowded");
  assertCode(() => verifyStateProof({ ...absent, value: RECORD }, root), "PROOF_VALUE_MISMATCH");
});

test("dropping the key's leaf to fake an absence, or a changed sibling, fails PROOF_ROOT_MISMATCH", () => {
  const { state, root } = fixture();
  const proof = state.prove(DEVICE);
  const own = toHex(keyHashOf(DEVICE));
  const without = proof.leaves.filter((l) => toHex(l.keyHash) !== own);
  assertCode(
    () => verifyStateProof({ ...proof, value: null, leaves: without }, root),
    "PROOF_ROOT_MISMATCH",
  );
  for (const level of [0, 7, BUCKET_BITS - 1]) {
    const path = proof.path.map((h) => h.slice());
    path[level]![0]! ^= 1;
    assertCode(() => verifyStateProof({ ...proof, path }, root), "PROOF_ROOT_MISMATCH");
  }
  const otherRoot = root.slice();
  otherRoot[31]! ^= 1;
  assertCode(() => verifyStateProof(proof, otherRoot), "PROOF_ROOT_MISMATCH");
});

test("a listing out of order, with a repeated or foreign leaf, or a short path, is PROOF_MALFORMED", () => {
  const { state, root } = fixture();
  const proof = state.prove(DEVICE);
  assertCode(
    () => verifyStateProof({ ...proof, leaves: [...proof.leaves].reverse() }, root),
    "PROOF_MALFORMED",
  );
  assertCode(
    () => verifyStateProof({ ...proof, leaves: [proof.leaves[0]!, ...proof.leaves] }, root),
    "PROOF_MALFORMED",
  );
  const foreign = state.prove("chain").leaves;
  assertCode(
    () => verifyStateProof({ ...proof, leaves: [...proof.leaves, ...foreign] }, root),
    "PROOF_MALFORMED",
  );
  assertCode(
    () => verifyStateProof({ ...proof, path: proof.path.slice(1) }, root),
    "PROOF_MALFORMED",
  );
  assertCode(() => verifyStateProof(proof, root.subarray(1)), "PROOF_MALFORMED");
  assertCode(() => verifyStateProof({ ...proof, value: 0.5 }, root), "PROOF_MALFORMED");
});

test("the wire form round-trips, and a malformed one is PROOF_MALFORMED", () => {
  const { state, root } = fixture();
  const json = JSON.parse(JSON.stringify(stateProofToJson(state.prove(DEVICE)))) as Record<
    string,
    unknown
  >;
  assert.deepEqual(verifyStateProof(decodeStateProof(json), root).value, RECORD);
  const bad: unknown[] = [
    null,
    [],
    { ...json, key: 7 },
    { ...json, value: undefined },
    { ...json, leaves: "none" },
    { ...json, path: ["00"] },
    { ...json, leaves: [{ keyHash: "zz", valueHash: "00" }] },
  ];
  for (const b of bad) assertCode(() => decodeStateProof(b), "PROOF_MALFORMED");
});

test("property: every key of a random state proves its value, and any other key its absence", () => {
  const entry = fc.tuple(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.oneof(fc.integer(), fc.string(), fc.dictionary(fc.string(), fc.boolean())),
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(entry, { selector: ([k]) => k, minLength: 1, maxLength: 12 }),
      fc.string({ maxLength: 12 }),
      (entries, other) => {
        const state = new ModelState(entries as [string, Json][]);
        const root = state.root();
        for (const [key, value] of entries) {
          assert.deepEqual(verifyStateProof(state.prove(key), root).value, value);
        }
        if (!entries.some(([k]) => k === other)) {
          assert.equal(verifyStateProof(state.prove(other), root).value, null);
        }
      },
    ),
    { numRuns: 25 },
  );
});
