import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Signer, signerFromSeed } from "../core/crypto/ed25519.js";
import { fromBase64Url, toBase64Url } from "../core/encoding/bytes.js";
import { makeError } from "../core/errors/devicechain-error.js";

/** A key file: the Ed25519 seed (private) and, for reading by eye, the key id it gives. */
interface KeyFile {
  readonly type: "ed25519";
  readonly seed: string;
  readonly keyId: string;
}

export function generateSeed(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/** Write a key file readable by its owner only. Refuses to overwrite an existing file. */
export function writeKeyFile(path: string, seed: Uint8Array): Signer {
  if (existsSync(path))
    throw makeError("REQUEST_BAD_PARAMS", `${path} exists; not overwriting a key`);
  const signer = signerFromSeed(seed);
  const file: KeyFile = { type: "ed25519", seed: toBase64Url(seed), keyId: signer.keyId };
  try {
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (cause) {
    const why = whyNot(path, cause);
    throw makeError("KEY_FILE_INVALID", `Cannot write the key file ${path}: ${why}`, { cause });
  }
  return signer;
}

/** Why a file could not be written, in words: the missing directory, or the system's reason. */
function whyNot(path: string, cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `the directory ${dirname(path)} does not exist`;
  if (code === "EACCES") return `no permission to write in ${dirname(path)}`;
  return cause instanceof Error ? cause.message : String(cause);
}

/** Read a key file into a signer; a missing or malformed file is KEY_FILE_INVALID naming it. */
export function readKeyFile(path: string): Signer {
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<KeyFile>;
  } catch (cause) {
    throw makeError("KEY_FILE_INVALID", `Cannot read the key file ${path}`, { cause });
  }
  const seed = typeof parsed.seed === "string" ? fromBase64Url(parsed.seed) : undefined;
  if (parsed.type !== "ed25519" || seed?.length !== 32) {
    throw makeError("KEY_FILE_INVALID", `${path} is not a devicechain ed25519 key file`);
  }
  const signer = signerFromSeed(seed);
  if (parsed.keyId !== undefined && parsed.keyId !== signer.keyId) {
    throw makeError("KEY_FILE_INVALID", `${path}: keyId does not match the seed`);
  }
  return signer;
}
