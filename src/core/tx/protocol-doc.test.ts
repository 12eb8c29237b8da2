/**
 * docs/PROTOCOL.md is what a client in another language is written from: its worked example must
 * be the bytes this code produces, and it must describe every transaction type.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { signerFromSeed } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { fromUtf8, toBase64Url, toHex, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import { DEVICE_STATES } from "../state/device-state.js";
import { equipmentStatus } from "../state/equipment-status.js";
import { encodeTx, signingBytes, signTx, type TxBody, txHash } from "./transaction.js";
import { TX_TYPES } from "./tx-type.js";

// Compiled to dist/src/core/tx; the docs live at the repository root.
const doc = readFileSync(new URL("../../../../docs/PROTOCOL.md", import.meta.url), "utf8");

test("the worked example in docs/PROTOCOL.md is what the ledger's own code signs and hashes", () => {
  // The dev chain's owner bob: his seed is SHA-256 of "devicechain-dev:bob" (clients/demo).
  const seed = sha256(utf8("devicechain-dev:bob"));
  const signer = signerFromSeed(seed);
  const body: TxBody = {
    chain: "devicechain-dev",
    signer: signer.keyId,
    nonce: 1,
    type: "report.file",
    params: { device: "356938035643809", kind: "stolen" },
  };
  const tx = signTx(signer, body);
  const canonicalBody = canonicalize(body);
  const values = {
    seed: toBase64Url(seed),
    keyId: signer.keyId,
    canonicalBody,
    bodyLength: `${utf8(canonicalBody).length} bytes`,
    signingBytes: toHex(signingBytes(body)),
    sig: tx.sig,
    envelope: fromUtf8(encodeTx(tx)),
    hash: txHash(tx),
  };
  for (const [name, value] of Object.entries(values)) {
    assert.ok(doc.includes(value), `docs/PROTOCOL.md's example lacks its ${name}: ${value}`);
  }
});

test("docs/PROTOCOL.md gives the parameters of every transaction type", () => {
  const missing = TX_TYPES.filter((type) => !doc.includes(`\n| \`${type}\` |`));
  assert.deepEqual(missing, [], "add a row for each to docs/PROTOCOL.md, 'Transaction types'");
});

test("docs/PROTOCOL.md's device-state table gives the EIR answer the ledger gives", () => {
  const rows = [
    ...doc.matchAll(/^\| `([a-z_]+)` \| [^|]+ \| (WHITELISTED|GREYLISTED|BLACKLISTED) \|$/gm),
  ];
  const documented = Object.fromEntries(rows.map((m) => [m[1], m[2]]));
  const expected = Object.fromEntries(DEVICE_STATES.map((s) => [s, equipmentStatus(s)]));
  assert.deepEqual(documented, expected);
});
