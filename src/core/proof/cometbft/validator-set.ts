import { SimpleValidator } from "cosmjs-types/tendermint/types/validator";
import { sha256 } from "../../crypto/hash.js";
import { equalBytes, fromBase64, toHex } from "../../encoding/bytes.js";
import type { ErrorCode } from "../../errors/catalogue.js";
import { makeError } from "../../errors/devicechain-error.js";
import { merkleRoot } from "./merkle.js";

/** One validator as the hashes see it: its Ed25519 key, derived address and voting power. */
export interface CometValidator {
  readonly pubKey: Uint8Array;
  /** The first 20 bytes of SHA-256 of the key (crypto/ed25519 PubKey.Address). */
  readonly address: Uint8Array;
  readonly power: bigint;
}

/** A validator set in CometBFT's order (power descending, then address), with its total power. */
export interface CometValidatorSet {
  readonly validators: readonly CometValidator[];
  readonly totalPower: bigint;
}

/** CometBFT's cap on a set's total voting power (types/validator_set.go MaxTotalVotingPower). */
export const MAX_TOTAL_VOTING_POWER = (1n << 60n) / 8n;
/** Most validators a set may list here: CometBFT's MaxVotesCount. */
export const MAX_VALIDATORS = 10_000;

/** A validator's address: the first 20 bytes of SHA-256 of its Ed25519 public key. */
export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).subarray(0, 20);
}

/**
 * The set's hash (types/validator_set.go Hash), which a header's validators_hash names: the simple
 * Merkle root of each validator's SimpleValidator {pub_key, voting_power} protobuf, in set order.
 */
export function validatorSetHash(set: CometValidatorSet): Uint8Array {
  return merkleRoot(
    set.validators.map((v) =>
      SimpleValidator.encode({ pubKey: { ed25519: v.pubKey }, votingPower: v.power }).finish(),
    ),
  );
}

/** The validator at `address`, with its index, if the set holds it. */
export function validatorByAddress(
  set: CometValidatorSet,
  address: Uint8Array,
): { index: number; validator: CometValidator } | undefined {
  const index = set.validators.findIndex((v) => equalBytes(v.address, address));
  return index < 0 ? undefined : { index, validator: set.validators[index]! };
}

/**
 * Read `[{pubKey, power}]` (keys in CometBFT's standard base64, powers positive integers) into a
 * set; `code` names what a bad list is (PROOF_MALFORMED in a bundle, TRUST_INVALID in a trust).
 * A key listed twice is PROOF_DUPLICATE_VALIDATOR: CometBFT never builds such a set.
 */
export function decodeValidatorSet(
  json: unknown,
  what: string,
  code: ErrorCode,
): CometValidatorSet {
  if (!Array.isArray(json) || json.length === 0 || json.length > MAX_VALIDATORS) {
    throw makeError(code, `${what} is not a list of 1 to ${MAX_VALIDATORS} validators`);
  }
  const seen = new Set<string>();
  let totalPower = 0n;
  const validators = json.map((entry: unknown, i): CometValidator => {
    const v = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const pubKey = typeof v["pubKey"] === "string" ? fromBase64(v["pubKey"]) : undefined;
    if (pubKey?.length !== 32) {
      throw makeError(code, `${what}[${i}].pubKey is not a 32-byte Ed25519 key in base64`);
    }
    const power = v["power"];
    if (!Number.isSafeInteger(power) || (power as number) <= 0) {
      throw makeError(code, `${what}[${i}].power is not a positive integer`);
    }
    const hex = toHex(pubKey);
    if (seen.has(hex)) {
      throw makeError("PROOF_DUPLICATE_VALIDATOR", `${what} lists ${v["pubKey"]} twice`);
    }
    seen.add(hex);
    totalPower += BigInt(power as number);
    return { pubKey, address: validatorAddress(pubKey), power: BigInt(power as number) };
  });
  if (totalPower > MAX_TOTAL_VOTING_POWER) {
    throw makeError(code, `${what}'s total voting power is above CometBFT's maximum`);
  }
  return { validators, totalPower };
}

/**
 * `/validators` result.validators as CometBFT's RPC writes it, in the bundle's and the trust's form
 * `[{pubKey, power}]` (the order kept; addresses and proposer priorities dropped: not hashed).
 */
export function validatorsFromRpc(json: unknown): { pubKey: string; power: number }[] {
  if (!Array.isArray(json)) throw makeError("PROOF_MALFORMED", "The validators are not a list");
  return json.map((entry: unknown) => {
    const v = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const key = (v["pub_key"] ?? {}) as Record<string, unknown>;
    const power = Number(v["voting_power"]);
    if (key["type"] !== "tendermint/PubKeyEd25519" || typeof key["value"] !== "string") {
      throw makeError("PROOF_MALFORMED", "A validator's key is not Ed25519");
    }
    if (!Number.isSafeInteger(power)) throw makeError("PROOF_MALFORMED", "A validator's power");
    return { pubKey: key["value"], power };
  });
}
