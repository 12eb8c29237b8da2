/**
 * A client verifies what a real node (LMDB, embedded engine) proves, with the SDK alone: the block
 * served at GET /v1/blocks/{height} is signed by the node's key, and a state proof built by the
 * node's store leads to that block's app hash. Proofs are not served over HTTP yet (a later issue
 * hands them out), so the proof is taken from the running node's store, as a server would.
 */
import * as assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { verifyBlock, verifyProof } from "../../src/clients/sdk/verify-proof.js";
import type { ErrorCode } from "../../src/core/errors/catalogue.js";
import { isError } from "../../src/core/errors/devicechain-error.js";
import { blockHash } from "../../src/core/proof/block-header.js";
import { stateProofToJson } from "../../src/core/proof/state-proof.js";
import { deviceKey } from "../../src/core/state/keys.js";
import { NODE_KEY_FILE } from "../../src/node/data-dir.js";
import { readKeyFile } from "../../src/node/key-file.js";
import { type E2eNode, e2eSigner, http, post, signed, startE2eNode } from "./e2e-node.js";

const regulator = e2eSigner("regulator");
const acme = e2eSigner("acme");
// TS 23.003 Annex B example IMEI 49015420323751 (check digit 8), and one never registered.
const REGISTERED = "imei:49015420323751";
const UNREGISTERED = "imei:49015420323769";

const flipLastHexDigit = (hex: string): string =>
  hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0");

function assertCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => isError(e, code), code);
}

describe("proofs a client verifies against a node's signed block", () => {
  let n: E2eNode;
  let nodeKeyId: string;
  let height: number;

  before(async () => {
    n = await startE2eNode();
    const txs = [
      signed(regulator, 1, "member.admit", {
        id: "acme",
        role: "manufacturer",
        name: "Acme",
        key: acme.keyId,
      }),
      signed(regulator, 2, "tac.allocate", {
        manufacturer: "acme",
        from: "49015420",
        to: "49015420",
      }),
      signed(acme, 1, "device.register", { devices: [{ ids: ["490154203237518"] }] }),
    ];
    for (const tx of txs) {
      const r = await post(n.url, tx);
      assert.equal(r.body.code, 0, JSON.stringify(r.body));
      height = r.body.height as number;
    }
    nodeKeyId = (await http(`${n.url}/v1/webhooks/signing-key`)).body.keyId as string;
  });
  after(async () => {
    await n.stop();
  });

  test("GET /v1/blocks/{height} carries the header signature of the node's key, which verifies", async () => {
    assert.equal(nodeKeyId, readKeyFile(path.join(n.dir, NODE_KEY_FILE)).keyId);
    const block = (await http(`${n.url}/v1/blocks/${height}`)).body;
    assert.deepEqual(block.signature, {
      keyId: nodeKeyId,
      sig: (block.signature as { sig: string }).sig,
    });
    const header = verifyBlock(block, [nodeKeyId]);
    assert.equal(header.height, height);
    assert.equal(blockHash(header), block.hash, "the signature leaves the block hash alone");
    // Genesis comes from the genesis file, before the engine: it is not signed.
    const genesis = (await http(`${n.url}/v1/blocks/0`)).body;
    assertCode(() => verifyBlock(genesis, [nodeKeyId]), "HEADER_UNSIGNED");
  });

  test("a device's record and an unregistered IMEI's absence verify; tampered ones do not", async () => {
    const block = (await http(`${n.url}/v1/blocks/${height}`)).body;
    const served = (key: string): unknown => {
      const { height: at, proof } = n.node.app.store.stateProof(key);
      assert.equal(at, height);
      return JSON.parse(JSON.stringify(stateProofToJson(proof))) as unknown;
    };

    const present = served(deviceKey(REGISTERED)) as { value: { id: string; ids: string[] } };
    const proved = verifyProof({ proof: present, block, trustedKeys: [nodeKeyId] });
    assert.equal(proved.height, height);
    assert.equal(proved.key, deviceKey(REGISTERED));
    assert.equal((proved.value as { id: string }).id, REGISTERED);
    const absent = served(deviceKey(UNREGISTERED));
    assert.equal(verifyProof({ proof: absent, block, trustedKeys: [nodeKeyId] }).value, null);

    // Tampered proofs.
    const scrapped = { ...present, value: { ...present.value, scrapped: true } };
    assertCode(
      () => verifyProof({ proof: scrapped, block, trustedKeys: [nodeKeyId] }),
      "PROOF_VALUE_MISMATCH",
    );
    assertCode(
      () => verifyProof({ proof: { ...present, value: null }, block, trustedKeys: [nodeKeyId] }),
      "PROOF_VALUE_MISMATCH",
    );
    const siblings = (present as unknown as { path: string[] }).path;
    const otherPath = [flipLastHexDigit(siblings[0]!), ...siblings.slice(1)];
    assertCode(
      () =>
        verifyProof({ proof: { ...present, path: otherPath }, block, trustedKeys: [nodeKeyId] }),
      "PROOF_ROOT_MISMATCH",
    );

    // A tampered block: its hash no longer matches, or (hash recomputed) its signature fails.
    const header = block.header as Record<string, unknown>;
    const forged = { ...header, appHash: "00".repeat(32) };
    assertCode(
      () =>
        verifyProof({
          proof: present,
          block: { ...block, header: forged },
          trustedKeys: [nodeKeyId],
        }),
      "PROOF_MALFORMED",
    );
    const rehashed = { ...block, header: forged, hash: blockHash(forged as never) };
    assertCode(
      () => verifyProof({ proof: present, block: rehashed, trustedKeys: [nodeKeyId] }),
      "HEADER_BAD_SIGNATURE",
    );
    assertCode(
      () => verifyProof({ proof: present, block, trustedKeys: [e2eSigner("stranger").keyId] }),
      "HEADER_SIGNER_UNTRUSTED",
    );
  });
});
