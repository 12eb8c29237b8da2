import { isKeyId } from "../crypto/ed25519.js";
import type { JsonObject } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";
import { type DeviceIdentifier, parseIdentifier } from "../identifiers/identifier.js";

/** Small validators for transaction params; each fails with TX_BAD_PARAMS naming the field. */
export function onlyKeys(p: JsonObject, allowed: readonly string[]): void {
  for (const k of Object.keys(p)) {
    if (!allowed.includes(k)) throw makeError("TX_BAD_PARAMS", `Unexpected parameter ${k}`);
  }
}

export function text(
  p: JsonObject,
  name: string,
  opts: { max?: number; pattern?: RegExp } = {},
): string {
  const v = p[name];
  const max = opts.max ?? 128;
  if (typeof v !== "string" || v.length === 0 || v.length > max) {
    throw makeError("TX_BAD_PARAMS", `${name} must be a string of 1-${max} characters`);
  }
  if (opts.pattern && !opts.pattern.test(v)) {
    throw makeError("TX_BAD_PARAMS", `${name} does not match ${opts.pattern}`);
  }
  return v;
}

export function optionalText(
  p: JsonObject,
  name: string,
  opts: { max?: number; pattern?: RegExp } = {},
): string | undefined {
  return p[name] === undefined ? undefined : text(p, name, opts);
}

export function oneOf<T extends string>(p: JsonObject, name: string, values: readonly T[]): T {
  const v = p[name];
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
    throw makeError("TX_BAD_PARAMS", `${name} must be one of ${values.join(", ")}`);
  }
  return v as T;
}

export function keyId(p: JsonObject, name: string): string {
  const v = p[name];
  if (typeof v !== "string" || !isKeyId(v)) {
    throw makeError("TX_BAD_PARAMS", `${name} must be an Ed25519 public key in base64url`);
  }
  return v;
}

/** A transaction's hash: 64 lowercase hex characters, as the ledger prints it. */
export function txHashParam(p: JsonObject, name: string): string {
  const v = p[name];
  if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) {
    throw makeError("TX_BAD_PARAMS", `${name} must be a transaction hash (64 hex characters)`);
  }
  return v;
}

/** A device named by any identifier form a person may type; check digits are verified. */
export function deviceRef(p: JsonObject, name = "device"): DeviceIdentifier {
  const v = p[name];
  if (typeof v !== "string") throw makeError("TX_BAD_PARAMS", `${name} must be an identifier`);
  return parseIdentifier(v, "person");
}

/** Free-text references (case numbers) are short and printable: no room for personal data. */
export const REFERENCE = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;
