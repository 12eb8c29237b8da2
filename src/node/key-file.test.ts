import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { isKeyId } from "../core/crypto/ed25519.js";
import { isError } from "../core/errors/devicechain-error.js";
import { generateSeed, readKeyFile, writeKeyFile } from "./key-file.js";

const dir = mkdtempSync(path.join(tmpdir(), "dc-keys-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a written key file reads back as the same signer, owner-readable only", () => {
  const file = path.join(dir, "a.key");
  const written = writeKeyFile(file, generateSeed());
  assert.ok(isKeyId(written.keyId));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const read = readKeyFile(file);
  assert.equal(read.keyId, written.keyId);
  const msg = Uint8Array.of(1, 2, 3);
  assert.deepEqual(read.sign(msg), written.sign(msg));
});

test("an existing key file is never overwritten", () => {
  const file = path.join(dir, "b.key");
  writeKeyFile(file, generateSeed());
  assert.throws(
    () => writeKeyFile(file, generateSeed()),
    (e) => isError(e, "REQUEST_BAD_PARAMS"),
  );
});

test("missing, malformed or inconsistent key files are KEY_FILE_INVALID", () => {
  const bad = (name: string, content: string | undefined): void => {
    const file = path.join(dir, name);
    if (content !== undefined) writeFileSync(file, content);
    assert.throws(
      () => readKeyFile(file),
      (e) => isError(e, "KEY_FILE_INVALID"),
      name,
    );
  };
  bad("missing.key", undefined);
  bad("not-json.key", "seed=abc");
  bad("short.key", JSON.stringify({ type: "ed25519", seed: "abc" }));
  bad("wrong-type.key", JSON.stringify({ type: "rsa", seed: "A".repeat(43) }));
  bad(
    "wrong-id.key",
    JSON.stringify({ type: "ed25519", seed: "A".repeat(43), keyId: "B".repeat(43) }),
  );
});
