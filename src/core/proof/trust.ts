import { isKeyId } from "../crypto/ed25519.js";
import { makeError } from "../errors/devicechain-error.js";
import { MAX_CHAIN_ID_LENGTH } from "./cometbft/header-hash.js";
import type { TrustedSet } from "./cometbft/light-client.js";
import { type CometValidatorSet, decodeValidatorSet } from "./cometbft/validator-set.js";
import type { TrustJson } from "./proof-bundle.js";

/** What a verifier trusts, decoded: a validator set (CometBFT), node keys (embedded), or both. */
export interface Trust {
  readonly chainId: string;
  readonly height: number;
  /** Milliseconds since the epoch; 0 when the file names no time (expired under any period). */
  readonly time: number;
  readonly validators?: TrustedSet;
  readonly nodeKeys: readonly string[];
}

const invalid = (why: string) => makeError("TRUST_INVALID", `The trust file ${why}`);
const MAX_NODE_KEYS = 100;

function chainIdOf(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_CHAIN_ID_LENGTH) {
    throw invalid("names no chain id");
  }
  return value;
}

function count(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw invalid(`has a ${what} that is not a non-negative integer`);
  }
  return value as number;
}

function withSet(base: Omit<Trust, "validators">, validators: unknown): Trust {
  if (validators === undefined) return base;
  const set: CometValidatorSet = decodeValidatorSet(
    validators,
    "The trust's validators",
    "TRUST_INVALID",
  );
  return {
    ...base,
    validators: { chainId: base.chainId, height: base.height, time: base.time, set },
  };
}

/**
 * Read a trust file (parsed JSON): a devicechain genesis.json ({chainId, genesisTime, validators:
 * [{member, pubKey, power}]}, trusted from height 0 at its genesis time) or a checkpoint.json
 * (TrustJson: what verifyProofBundle returned, or node keys for the embedded engine).
 * TRUST_INVALID when it is neither, or trusts nothing.
 */
export function decodeTrust(json: unknown): Trust {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalid("is not a JSON object");
  }
  const t = json as Record<string, unknown>;
  const chainId = chainIdOf(t["chainId"]);
  let trust: Trust;
  if ("genesisTime" in t || "members" in t) {
    const parsed = typeof t["genesisTime"] === "string" ? Date.parse(t["genesisTime"]) : Number.NaN;
    const time = Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : 0;
    const validators = t["validators"];
    if (validators !== undefined && !Array.isArray(validators))
      throw invalid("has no validator list");
    trust = withSet(
      { chainId, height: 0, time, nodeKeys: [] },
      validators?.map((v: unknown) => {
        const e = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
        return { pubKey: e["pubKey"], power: e["power"] };
      }),
    );
  } else {
    const nodeKeys = t["nodeKeys"] ?? [];
    if (
      !Array.isArray(nodeKeys) ||
      nodeKeys.length > MAX_NODE_KEYS ||
      !nodeKeys.every((k) => typeof k === "string" && isKeyId(k))
    ) {
      throw invalid(`has nodeKeys that are not up to ${MAX_NODE_KEYS} key ids`);
    }
    trust = withSet(
      { chainId, height: count(t["height"], "height"), time: count(t["time"], "time"), nodeKeys },
      t["validators"],
    );
  }
  if (!trust.validators && trust.nodeKeys.length === 0) {
    throw invalid("trusts no validators and no node keys");
  }
  return trust;
}

/** A checkpoint to save: the trust a verified CometBFT header moves the client to. */
export function checkpointJson(trust: TrustedSet, validators: TrustJson["validators"]): TrustJson {
  return {
    chainId: trust.chainId,
    height: trust.height,
    time: trust.time,
    ...(validators ? { validators } : {}),
  };
}
