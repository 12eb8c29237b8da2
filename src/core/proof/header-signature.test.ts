import * as assert from "node:assert/strict";
import { test } from "node:test";
import { signerFromSeed } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { fromUtf8, toBase64Url, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import type { ErrorCode } from "../errors/catalogue.js";
import { isError } from "../errors/devicechain-error.js";
import { signingBytes } from "../tx/transaction.js";
import { type BlockHeader, blockHash, decodeBlockHeader, txRoot } from "./block-header.js";
import {
  decodeSignedHeader,
  headerSigner,
  headerSigningBytes,
  verifySignedHeader,
} from "./header-signature.js";

const node = signerFromSeed(sha256(utf8("header-signature test node")));
const other = signerFromSeed(sha256(utf8("header-signature test other")));
const header: BlockHeader = {
  chainId: "devicechain-test",
  height: 7,
  time: 1_767_225_600_000,
  prevHash: "11".repeat(32),
  txRoot: txRoot(["22".repeat(32)]),
  appHash: "33".repeat(32),
  numTxs: 1,
};

function assertCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (e: unknown) => isError(e, code), code);
}

test("the signed bytes are a domain tag and the header's RFC 8785 canonical JSON", () => {
  const text = fromUtf8(headerSigningBytes(header));
  assert.equal(text, `devicechain/block-header/v1\n${canonicalize(header)}`);
  assert.ok(text.includes('{"appHash":"3333'), "keys in canonical order");
  // The tag keeps a header signature apart from a transaction signature over the same JSON.
  assert.notEqual(text, fromUtf8(signingBytes(header as never)));
});

test("a header signed by the node verifies against its key id", () => {
  const signature = headerSigner(node)(header);
  assert.equal(signature.keyId, node.keyId);
  assert.deepEqual(verifySignedHeader({ header, signature }, [node.keyId]), header);
  assert.deepEqual(
    verifySignedHeader({ header, signature }, new Set([other.keyId, node.keyId])),
    header,
  );
});

test("any changed header field fails HEADER_BAD_SIGNATURE", () => {
  const signature = headerSigner(node)(header);
  const changes: Partial<BlockHeader>[] = [
    { chainId: "another-chain" },
    { height: 8 },
    { time: header.time + 1 },
    { prevHash: "44".repeat(32) },
    { txRoot: txRoot([]) },
    { appHash: "55".repeat(32) },
    { numTxs: 2 },
  ];
  for (const change of changes) {
    assertCode(
      () => verifySignedHeader({ header: { ...header, ...change }, signature }, [node.keyId]),
      "HEADER_BAD_SIGNATURE",
    );
  }
});

test("an unsigned header, an untrusted signer, a forged key id or a garbled signature are refused", () => {
  const signature = headerSigner(node)(header);
  assertCode(() => verifySignedHeader({ header }, [node.keyId]), "HEADER_UNSIGNED");
  assertCode(
    () => verifySignedHeader({ header, signature }, [other.keyId]),
    "HEADER_SIGNER_UNTRUSTED",
  );
  // Claiming the trusted key for another key's signature.
  const byOther = headerSigner(other)(header);
  assertCode(
    () =>
      verifySignedHeader({ header, signature: { ...byOther, keyId: node.keyId } }, [node.keyId]),
    "HEADER_BAD_SIGNATURE",
  );
  assertCode(
    () => verifySignedHeader({ header, signature: { ...signature, sig: "AA" } }, [node.keyId]),
    "HEADER_BAD_SIGNATURE",
  );
  // A signature over the transaction domain, on the same canonical JSON, is not a header's.
  const txDomain = toBase64Url(node.sign(signingBytes(header as never)));
  assertCode(
    () =>
      verifySignedHeader({ header, signature: { keyId: node.keyId, sig: txDomain } }, [node.keyId]),
    "HEADER_BAD_SIGNATURE",
  );
});

test("a block as served decodes to its signed header; a wrong hash or field is PROOF_MALFORMED", () => {
  const signature = headerSigner(node)(header);
  const served = JSON.parse(
    JSON.stringify({ hash: blockHash(header), header, txs: ["22".repeat(32)], signature }),
  ) as Record<string, unknown>;
  assert.deepEqual(decodeSignedHeader(served), { header, signature });
  assert.deepEqual(decodeSignedHeader({ ...served, signature: undefined }), { header });
  assertCode(() => decodeSignedHeader({ ...served, hash: "00".repeat(32) }), "PROOF_MALFORMED");
  assertCode(() => decodeSignedHeader({ ...served, signature: { keyId: 1 } }), "PROOF_MALFORMED");
  for (const bad of [{ height: -1 }, { time: 1.5 }, { appHash: "AB" }, { chainId: null }]) {
    assertCode(() => decodeBlockHeader({ ...header, ...bad }), "PROOF_MALFORMED");
  }
  // Properties beyond the header's own never reach its hash or its signed bytes.
  const extended = decodeBlockHeader({ ...header, extra: "ignored" });
  assert.equal(blockHash(extended), blockHash(header));
});

test("pinned: the block hash, tx root and header signature of a fixed header never change", () => {
  // Computed once by this code (not an external vector): a client in another language, or a
  // later version of this one, must reproduce these bytes exactly. Ed25519 signing is
  // deterministic (RFC 8032), so the signature is fixed too.
  assert.equal(header.txRoot, "bc6f27de60abf5319d16ff4c98fe3c42022c84f6a7a2b207c8df19b0ec3d8d58");
  assert.equal(
    blockHash(header),
    "86b55b55e9f38bec6b8d978335e9800dc3033a467b93c4d50454eaaa0c9d5e1b",
  );
  assert.equal(node.keyId, "IJenDhr3NdkSxrB4rrYC04H1oGdau4WpN0puGYcZJT0");
  assert.equal(
    headerSigner(node)(header).sig,
    "reQXMPW6WwQN0VQ-t89FvTMuAvPHC7aF03nY2yKcMAqOhnVdQhrNlxDl-OoZu8kn9ocMi6GPlXOU3oHG1P2BBQ",
  );
});
