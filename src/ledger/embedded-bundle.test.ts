/**
 * An embedded-engine proof bundle from a real LedgerApp (LMDB): the header of the block, signed
 * by a node key, and the store's state proofs; verified by core's verifyProofBundle and refused,
 * with its code, for each field tampered. (CometBFT bundles: src/core/proof/verify-bundle.test.ts.)
 */
import * as assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { genesisFixture } from "../../tests/support/comet-fixtures.js";
import { testGenesis } from "../../tests/support/consortium.js";
import { signedBytes, testSigner } from "../../tests/support/signers.js";
import type { ErrorCode } from "../core/errors/catalogue.js";
import { isError } from "../core/errors/devicechain-error.js";
import { toCompactStateProof } from "../core/proof/compact-state-proof.js";
import { headerSigner } from "../core/proof/header-signature.js";
import type { ProofBundleJson } from "../core/proof/proof-bundle.js";
import { verifyProofBundle } from "../core/proof/verify-bundle.js";
import { memberKey } from "../core/state/keys.js";
import { LedgerApp } from "./application.js";

// biome-ignore lint/suspicious/noExplicitAny: tampering reaches into any field of the JSON
type Any = any;
const clone = <T>(v: T): T => structuredClone(v);
const flipFirst = (s: string): string => (s[0] === "A" ? "B" : "A") + s.slice(1);
const flipLast = (s: string): string => s.slice(0, -1) + (s.endsWith("A") ? "Q" : "A");

function refuses(b: unknown, trust: unknown, code: ErrorCode, now = 0, what: string = code): void {
  assert.throws(
    () => verifyProofBundle(b, trust, { now }),
    (e: unknown) => {
      assert.ok(isError(e), `${what}: ${String(e)}`);
      assert.equal(e.code, code, `${what}: ${e.message}`);
      return true;
    },
  );
}

describe("an embedded bundle from a real LedgerApp (LMDB), signed by the node key", () => {
  const node = testSigner("node");
  let app: LedgerApp;
  let embedded: ProofBundleJson;
  const trust = { chainId: testGenesis().chainId, nodeKeys: [node.keyId] };

  before(async () => {
    app = LedgerApp.open(mkdtempSync(path.join(tmpdir(), "dc-verify-")));
    app.initChain(testGenesis());
    const regulator = testSigner("regulator");
    app.finalizeBlock({
      height: 1,
      time: Date.parse("2026-06-01T00:00:00Z"),
      txs: [
        signedBytes(regulator, 1, "member.admit", {
          id: "m-1",
          role: "operator",
          name: "m-1",
          key: testSigner("m-1").keyId,
        }),
      ],
    });
    await app.commit();
    const block = app.getBlock(1)!;
    const proofs = [memberKey("m-1"), memberKey("m-2")].map((k) => app.store.stateProof(k));
    embedded = JSON.parse(
      JSON.stringify({
        version: 1,
        chainId: block.header.chainId,
        height: 1,
        appHash: proofs[0]!.appHash,
        entries: proofs.map((p) => toCompactStateProof(p.proof)),
        commit: {
          engine: "embedded",
          header: block.header,
          signature: headerSigner(node)(block.header),
        },
      }),
    ) as ProofBundleJson;
  });
  after(async () => {
    await app.close();
  });

  test("verifies with the node key, with no checkpoint", () => {
    const r = verifyProofBundle(embedded, trust, { now: 0 });
    assert.equal(r.engine, "embedded");
    assert.equal((r.entries[0]!.value as { id: string }).id, "m-1");
    assert.equal(r.entries[1]!.value, null);
    assert.equal(r.checkpoint, undefined);
  });

  test("every header field, the signature, the key and the trust", () => {
    const header = (embedded.commit as Any).header as Record<string, Any>;
    for (const field of Object.keys(header)) {
      const b = clone(embedded) as Any;
      const v = b.commit.header[field];
      b.commit.header[field] =
        typeof v === "number" ? v + 1 : `${v.slice(0, -1)}${v.endsWith("0") ? "1" : "0"}`;
      const code = field === "chainId" ? "PROOF_WRONG_CHAIN" : "HEADER_BAD_SIGNATURE";
      refuses(b, trust, code, 0, `header.${field}`);
    }
    const sig = clone(embedded) as Any;
    sig.commit.signature.sig = flipFirst(sig.commit.signature.sig);
    refuses(sig, trust, "HEADER_BAD_SIGNATURE");
    refuses(
      embedded,
      { ...trust, nodeKeys: [testSigner("stranger").keyId] },
      "HEADER_SIGNER_UNTRUSTED",
    );
    refuses(embedded, genesisFixture(), "PROOF_WRONG_CHAIN");
    refuses({ ...embedded, height: 2 }, trust, "PROOF_HEIGHT_MISMATCH");
    const value = clone(embedded) as Any;
    value.entries[0].value.name = "someone else";
    refuses(value, trust, "PROOF_VALUE_MISMATCH");
    const path0 = clone(embedded) as Any;
    path0.entries[1].path[19] = flipLast(path0.entries[1].path[19]);
    refuses(path0, trust, "PROOF_ROOT_MISMATCH");
  });
});
