import { compareBytes, equalBytes, fromHex, toHex } from "../encoding/bytes.js";
import { canonicalize, type Json } from "../encoding/canonical-json.js";
import { isError, makeError } from "../errors/devicechain-error.js";
import {
  BUCKET_BITS,
  bucketHash,
  bucketOf,
  HASH_BYTES,
  keyHashOf,
  type Leaf,
  rootFromPath,
  valueHashOfText,
} from "./bucket-hash.js";

/**
 * A proof that a state key holds a value, or nothing, in the state an app hash commits to. It is
 * the key's whole bucket listing and the sibling path above the bucket: the listing shows the
 * key's leaf (inclusion) or its absence (non-inclusion), and the path leads to the app hash.
 */
export interface StateProof {
  readonly key: string;
  /** The value under the key, or null to prove that the key holds nothing. */
  readonly value: Json | null;
  /** Every leaf of the key's bucket, in ascending key-hash order. */
  readonly leaves: readonly Leaf[];
  /** The sibling hashes from the bucket up to the root: BUCKET_BITS of them. */
  readonly path: readonly Uint8Array[];
}

/** A StateProof on the wire: hashes as lowercase hex. */
export interface StateProofJson {
  readonly key: string;
  readonly value: Json | null;
  readonly leaves: readonly { readonly keyHash: string; readonly valueHash: string }[];
  readonly path: readonly string[];
}

/** What a verified proof establishes: this key held this value (null: nothing) under the app hash. */
export interface ProvenEntry {
  readonly key: string;
  readonly value: Json | null;
}

/** The wire form of a proof. */
export function stateProofToJson(proof: StateProof): StateProofJson {
  return {
    key: proof.key,
    value: proof.value,
    leaves: proof.leaves.map((l) => ({ keyHash: toHex(l.keyHash), valueHash: toHex(l.valueHash) })),
    path: proof.path.map(toHex),
  };
}

const malformed = (why: string) => makeError("PROOF_MALFORMED", `The proof is malformed: ${why}`);

function hash32(value: unknown, what: string): Uint8Array {
  const bytes = typeof value === "string" ? fromHex(value) : undefined;
  if (bytes?.length !== HASH_BYTES) throw malformed(`${what} is not ${HASH_BYTES} bytes of hex`);
  return bytes;
}

/** Step 0: read a proof from its wire form (parsed JSON); PROOF_MALFORMED when it is not one. */
export function decodeStateProof(json: unknown): StateProof {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw malformed("not an object");
  }
  const p = json as Record<string, unknown>;
  if (typeof p["key"] !== "string") throw malformed("key is not a string");
  if (!("value" in p) || p["value"] === undefined) throw malformed("value is missing");
  if (!Array.isArray(p["leaves"])) throw malformed("leaves is not an array");
  if (!Array.isArray(p["path"])) throw malformed("path is not an array");
  const leaves = p["leaves"].map((l: unknown, i): Leaf => {
    const leaf = (typeof l === "object" && l !== null ? l : {}) as Record<string, unknown>;
    return {
      keyHash: hash32(leaf["keyHash"], `leaves[${i}].keyHash`),
      valueHash: hash32(leaf["valueHash"], `leaves[${i}].valueHash`),
    };
  });
  const path = p["path"].map((h: unknown, i) => hash32(h, `path[${i}]`));
  return { key: p["key"], value: p["value"] as Json | null, leaves, path };
}

/** What the steps share: the proof, the app hash it must reach, and the key's place. */
interface ProofCheck {
  readonly proof: StateProof;
  readonly appHash: Uint8Array;
  readonly keyHash: Uint8Array;
  readonly bucket: number;
}

/** Step 1: the path climbs the whole tree and every hash is 32 bytes. */
function checkShape({ proof, appHash }: ProofCheck): void {
  if (appHash.length !== HASH_BYTES) throw malformed(`the app hash is not ${HASH_BYTES} bytes`);
  if (proof.path.length !== BUCKET_BITS) {
    throw malformed(`the path has ${proof.path.length} hashes, not ${BUCKET_BITS}`);
  }
  for (const h of proof.path) if (h.length !== HASH_BYTES) throw malformed("a path hash's length");
  for (const l of proof.leaves) {
    if (l.keyHash.length !== HASH_BYTES || l.valueHash.length !== HASH_BYTES) {
      throw malformed("a leaf hash's length");
    }
  }
}

/**
 * Step 2: the listing is one bucket's, the key's, each key hash once in ascending order. Without
 * this a listing could name a leaf twice, or borrow a leaf of another bucket, and still hash right
 * under another reading.
 */
function checkListing({ proof, bucket }: ProofCheck): void {
  let previous: Uint8Array | undefined;
  for (const l of proof.leaves) {
    if (bucketOf(l.keyHash) !== bucket) throw malformed("a leaf lies outside the key's bucket");
    if (previous && compareBytes(previous, l.keyHash) >= 0) {
      throw malformed("the leaves are not in strictly ascending key-hash order");
    }
    previous = l.keyHash;
  }
}

/** Step 3: the listing holds the key's leaf with the value's hash, or, for null, no leaf of the key. */
function checkEntry({ proof, keyHash }: ProofCheck): void {
  const leaf = proof.leaves.find((l) => equalBytes(l.keyHash, keyHash));
  if (proof.value === null) {
    if (leaf) {
      throw makeError("PROOF_VALUE_MISMATCH", `The bucket holds ${proof.key}: it is not absent`);
    }
    return;
  }
  if (!leaf) {
    throw makeError("PROOF_VALUE_MISMATCH", `The bucket holds no leaf for ${proof.key}`);
  }
  let text: string;
  try {
    text = canonicalize(proof.value);
  } catch (cause) {
    if (!isError(cause)) throw cause;
    throw makeError("PROOF_MALFORMED", `The value of ${proof.key} is not ledger JSON`, { cause });
  }
  if (!equalBytes(leaf.valueHash, valueHashOfText(text))) {
    throw makeError("PROOF_VALUE_MISMATCH", `The value of ${proof.key} does not match its leaf`);
  }
}

/** Step 4: the bucket's hash, folded up the path, is the app hash. */
function checkRoot({ proof, appHash, bucket }: ProofCheck): void {
  const root = rootFromPath(bucket, bucketHash(proof.leaves), proof.path);
  if (!equalBytes(root, appHash)) {
    throw makeError(
      "PROOF_ROOT_MISMATCH",
      `The proof of ${proof.key} leads to ${toHex(root)}, not ${toHex(appHash)}`,
    );
  }
}

/** The verification pipeline, in order; each step is pure and fails with its own code. */
const STEPS: readonly ((check: ProofCheck) => void)[] = [
  checkShape,
  checkListing,
  checkEntry,
  checkRoot,
];

/**
 * Verify that `proof` shows its key holding its value (or nothing) in the state whose app hash is
 * `appHash`. Returns what it proved; throws PROOF_MALFORMED, PROOF_VALUE_MISMATCH or
 * PROOF_ROOT_MISMATCH.
 */
export function verifyStateProof(proof: StateProof, appHash: Uint8Array): ProvenEntry {
  const keyHash = keyHashOf(proof.key);
  const check: ProofCheck = { proof, appHash, keyHash, bucket: bucketOf(keyHash) };
  for (const step of STEPS) step(check);
  return { key: proof.key, value: proof.value };
}
