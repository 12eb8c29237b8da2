/**
 * Structural checks of a proof bundle for the tests of its sources, written before the verifier in
 * core (verifyProofBundle) exists: every entry decodes from the compact form and verifies with
 * core's verifyStateProof against the bundle's app hash, and the commitment carries that app hash
 * at the right height. The validator-set hash is recomputed here as CometBFT does
 * (types/validator_set.go Hash: an RFC 6962 Merkle root over each validator's SimpleValidator
 * protobuf), with cosmjs-types' generated encoders, not with the code under test.
 */
import * as assert from "node:assert/strict";
import { SimpleValidator } from "cosmjs-types/tendermint/types/validator";
import { sha256 } from "../../src/core/crypto/hash.js";
import { concatBytes, fromBase64Url, fromHex, toHex } from "../../src/core/encoding/bytes.js";
import type { Json } from "../../src/core/encoding/canonical-json.js";
import type { BlockHeader } from "../../src/core/proof/block-header.js";
import { verifySignedHeader } from "../../src/core/proof/header-signature.js";
import type {
  CometCommitJson,
  CompactStateProofJson,
  EmbeddedCommitJson,
  ProofBundleJson,
} from "../../src/core/proof/proof-bundle.js";
import { type ProvenEntry, verifyStateProof } from "../../src/core/proof/state-proof.js";
import { verifyProofBundle } from "../../src/core/proof/verify-bundle.js";

const bytes = (b64url: string): Uint8Array => {
  const b = fromBase64Url(b64url);
  assert.ok(b && b.length === 32, `a 32-byte base64url hash: ${b64url}`);
  return b;
};

/** Every entry, decoded and verified against the bundle's app hash; what they prove. */
export function verifyEntries(bundle: ProofBundleJson): ProvenEntry[] {
  const appHash = fromHex(bundle.appHash);
  assert.ok(appHash, "appHash is hex");
  return bundle.entries.map((e: CompactStateProofJson) =>
    verifyStateProof(
      {
        key: e.key,
        value: e.value as Json | null,
        leaves: e.leaves.map(([k, v]) => ({ keyHash: bytes(k), valueHash: bytes(v) })),
        path: e.path.map(bytes),
      },
      appHash,
    ),
  );
}

/** An embedded bundle: its header is signed by a trusted node key and carries the app hash. */
export function checkEmbeddedBundle(bundle: ProofBundleJson, trusted: readonly string[]): void {
  assert.equal(bundle.version, 1);
  const commit = bundle.commit as EmbeddedCommitJson;
  assert.equal(commit.engine, "embedded");
  const header = verifySignedHeader(
    { header: commit.header as unknown as BlockHeader, signature: commit.signature },
    trusted,
  );
  assert.equal(header.height, bundle.height, "the header is of the bundle's height");
  assert.equal(header.appHash, bundle.appHash, "the header carries the bundle's app hash");
  assert.equal(header.chainId, bundle.chainId);
  const entries = verifyEntries(bundle);
  // And as every client verifies it: core's verifier, trusting only the node key.
  const proved = verifyProofBundle(
    JSON.parse(JSON.stringify(bundle)),
    { chainId: bundle.chainId, nodeKeys: trusted },
    { now: Date.now() },
  );
  assert.deepEqual(proved.entries, entries);
}

/** RFC 6962 Merkle root, as CometBFT's crypto/merkle HashFromByteSlices. */
function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(new Uint8Array());
  if (items.length === 1) return sha256(concatBytes(Uint8Array.of(0), items[0]!));
  let split = 1;
  while (split * 2 < items.length) split *= 2;
  return sha256(
    concatBytes(
      Uint8Array.of(1),
      merkleRoot(items.slice(0, split)),
      merkleRoot(items.slice(split)),
    ),
  );
}

/** CometBFT's ValidatorSet.Hash over {pubKey, power} in the set's order, as upper-case hex. */
export function validatorsHash(validators: CometCommitJson["validators"]): string {
  const leaves = validators.map((v) =>
    SimpleValidator.encode({
      pubKey: { ed25519: new Uint8Array(Buffer.from(v.pubKey, "base64")) },
      votingPower: BigInt(v.power),
    }).finish(),
  );
  return toHex(merkleRoot(leaves)).toUpperCase();
}

/**
 * A CometBFT bundle: header height+1 carries the app hash, its validator set hashes to the
 * header's validators_hash, its commit is for that header and signed, and every entry verifies.
 */
export function checkCometBundle(bundle: ProofBundleJson, chainId: string, trust: unknown): void {
  assert.equal(bundle.version, 1);
  assert.equal(bundle.chainId, chainId);
  const commit = bundle.commit as CometCommitJson;
  assert.equal(commit.engine, "cometbft");
  const header = commit.signedHeader["header"] as Record<string, string>;
  const signatures = (commit.signedHeader["commit"] as Record<string, unknown>)["signatures"];
  assert.equal(header["chain_id"], chainId);
  assert.equal(header["height"], String(bundle.height + 1), "header height+1");
  assert.equal(header["app_hash"]?.toLowerCase(), bundle.appHash, "it carries the app hash");
  assert.equal(validatorsHash(commit.validators), header["validators_hash"]);
  const c = commit.signedHeader["commit"] as { height: string; signatures: unknown[] };
  assert.equal(c.height, header["height"], "the commit is for that header");
  assert.ok(Array.isArray(signatures) && signatures.length === commit.validators.length);
  for (const v of commit.validators) {
    assert.equal(Buffer.from(v.pubKey, "base64").length, 32, "an Ed25519 key");
    assert.ok(Number.isSafeInteger(v.power) && v.power > 0);
  }
  const entries = verifyEntries(bundle);
  // And as every client verifies it: core's light-client verifier, trusting only `trust` (the
  // network's genesis.json).
  const proved = verifyProofBundle(JSON.parse(JSON.stringify(bundle)), trust, { now: Date.now() });
  assert.deepEqual(proved.entries, entries);
}
