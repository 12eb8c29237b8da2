/**
 * root.add and root.remove through the state machine, with real CA certificates. Consensus checks
 * only deterministic facts about the bytes; X.509 is read at attestation time, on the node.
 */
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { issueCert } from "../../../../tests/support/attestation.js";
import { consortiumSteps, testMember } from "../../../../tests/support/consortium.js";
import { MemoryChain } from "../../../../tests/support/memory-chain.js";
import { testSigner } from "../../../../tests/support/signers.js";
import type { Signer } from "../../crypto/ed25519.js";
import { sha256 } from "../../crypto/hash.js";
import { fromBase64, toHex } from "../../encoding/bytes.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { isError } from "../../errors/devicechain-error.js";
import { readAttestationRoots } from "../../state/attestation-root.js";
import type { TxType } from "../../tx/tx-type.js";
import {
  MAX_ATTESTATION_ROOT_BYTES,
  MAX_ATTESTATION_ROOTS,
  parseRootAdd,
  rootAdd,
} from "./attestation-root.js";

const mfr = testSigner("mfr");
const mfr2 = testSigner("mfr2");
const sha = (pem: string) =>
  new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();

function chain(): MemoryChain {
  const c = MemoryChain.withRegulator();
  const MFR = testMember("mfr", "manufacturer");
  c.run(consortiumSteps([MFR, testMember("mfr2", "manufacturer")], [[MFR, "35000000"]]));
  return c;
}
const one = (c: MemoryChain, s: Signer, type: TxType, params: JsonObject) => {
  const [r] = c.block([c.tx(s, type, params)]);
  return r?.codeName;
};

test("a manufacturer adds a root (base64 DER) once, and removes it", () => {
  const c = chain();
  const root = issueCert({ subject: "/CN=Acme Root" });
  const second = issueCert({ subject: "/CN=Acme Root 2" });
  assert.equal(one(c, mfr, "root.add", { cert: root.der }), "OK");
  assert.equal(one(c, mfr, "root.add", { cert: second.der }), "OK");
  assert.equal(one(c, mfr, "root.add", { cert: root.der }), "ATTESTATION_ROOT_EXISTS");
  const roots = readAttestationRoots(c, "mfr");
  assert.deepEqual(
    roots.map((r) => [r.sha256, r.cert]),
    [
      [sha(root.pem), root.der],
      [sha(second.pem), second.der],
    ],
  );
  assert.deepEqual(readAttestationRoots(c, "mfr2"), []);
  // Another manufacturer's remove cannot touch them.
  assert.equal(one(c, mfr2, "root.remove", { sha256: sha(root.pem) }), "ATTESTATION_ROOT_UNKNOWN");
  assert.equal(one(c, mfr, "root.remove", { sha256: sha(root.pem) }), "OK");
  assert.deepEqual(
    readAttestationRoots(c, "mfr").map((r) => r.sha256),
    [sha(second.pem)],
  );
});

test("consensus checks only the text: base64, size, duplicates, count; never the X.509 inside", () => {
  const c = chain();
  // Not a CA, expired, or no certificate at all: consensus does not parse, so it cannot tell.
  // Attestation does (core/crypto/attestation-chain.test.ts): such a root verifies no chain.
  const root = issueCert({ subject: "/CN=Acme Root" });
  const leaf = issueCert({ subject: "/CN=Phone", issuer: root });
  const old = issueCert({ subject: "/CN=Old", from: "20100101000000Z", to: "20200101000000Z" });
  const garbage = "bm90IGEgY2VydA=="; // "not a cert"
  for (const cert of [leaf.der, old.der, garbage]) {
    assert.equal(one(c, mfr, "root.add", { cert }), "OK");
  }
  assert.equal(
    readAttestationRoots(c, "mfr")[2]?.sha256,
    toHex(sha256(fromBase64(garbage) ?? assert.fail())),
  );
  // What every implementation decides alike is refused: PEM (the CLI converts it), loose or
  // unpadded base64, nothing, too much.
  const max = Buffer.alloc(MAX_ATTESTATION_ROOT_BYTES, 7).toString("base64");
  for (const cert of [
    root.pem,
    ` ${root.der}`,
    Buffer.alloc(10, 7).toString("base64").replace(/=+$/, ""), // unpadded
    "",
    Buffer.alloc(MAX_ATTESTATION_ROOT_BYTES + 1, 7).toString("base64"),
    42,
  ]) {
    assert.equal(one(c, mfr, "root.add", { cert }), "ATTESTATION_ROOT_INVALID", String(cert));
  }
  assert.equal(one(c, mfr, "root.add", { cert: max }), "OK"); // the bound itself is allowed
  assert.equal(one(c, mfr, "root.remove", { sha256: "AB" }), "TX_BAD_PARAMS");
  for (let i = 4; i < MAX_ATTESTATION_ROOTS; i++) {
    assert.equal(one(c, mfr, "root.add", { cert: issueCert({ subject: `/CN=R${i}` }).der }), "OK");
  }
  assert.equal(readAttestationRoots(c, "mfr").length, MAX_ATTESTATION_ROOTS);
  assert.equal(one(c, mfr, "root.add", { cert: root.der }), "ATTESTATION_ROOT_LIMIT");
});

test("tx add-attestation-root sends a PEM or a DER file as base64 DER, converted before signing", async () => {
  const root = issueCert({ subject: "/CN=Acme Root" });
  const der = new Uint8Array(new X509Certificate(root.pem).raw);
  const files: Record<string, Uint8Array> = {
    "ca.pem": Buffer.from(root.pem),
    "ca.der": der,
    "key.pem": Buffer.from(root.keyPem),
  };
  const io = {
    readFile: (path: string) => files[path] ?? assert.fail(path),
    readTextFile: () => assert.fail("text"),
    keyFileId: () => assert.fail("key"),
    chainId: async () => assert.fail("chain"),
    devicePrimaryKey: async () => assert.fail("device"),
  };
  for (const file of ["ca.pem", "ca.der"]) {
    const params = await rootAdd.cli.params({ cert: file }, io);
    assert.deepEqual(params, { cert: root.der }, file);
    assert.deepEqual(parseRootAdd(params).der, der, file);
  }
  await assert.rejects(
    async () => rootAdd.cli.params({ cert: "key.pem" }, io),
    (e) => isError(e, "ATTESTATION_ROOT_INVALID"),
  );
});

test("no transaction's code reaches an X.509 parser: the registry's imports, followed to the end", () => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "src", "core", "machine", "registry.ts"))) {
    dir = path.dirname(dir);
  }
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    assert.ok(
      !/new X509Certificate|import \{[^}]*\bX509Certificate\b|node:tls/.test(text),
      `${path.relative(dir, file)} parses X.509`,
    );
    for (const [, spec] of text.matchAll(/(?:from|import) "(\.[^"]+)\.js"/g)) {
      visit(path.resolve(path.dirname(file), `${spec}.ts`));
    }
  };
  visit(path.join(dir, "src", "core", "machine", "registry.ts"));
  assert.ok(seen.has(path.join(dir, "src", "core", "machine", "actions", "attestation-root.ts")));
  assert.ok(!seen.has(path.join(dir, "src", "core", "crypto", "attestation-chain.ts")));
});
