import { equalBytes, fromHex, toHex } from "../encoding/bytes.js";
import { makeError } from "../errors/devicechain-error.js";
import { type BlockHeader, decodeBlockHeader } from "./block-header.js";
import { cometTimeMs } from "./cometbft/comet-time.js";
import { type CometCommit, decodeCometCommit } from "./cometbft/commit.js";
import {
  type CometHeader,
  decodeCometHeader,
  MAX_CHAIN_ID_LENGTH,
} from "./cometbft/header-hash.js";
import { DEFAULT_TRUSTING_PERIOD_MS, verifyLightHeader } from "./cometbft/light-client.js";
import { type CometValidatorSet, decodeValidatorSet } from "./cometbft/validator-set.js";
import { fromCompactStateProof } from "./compact-state-proof.js";
import {
  decodeHeaderSignature,
  type HeaderSignature,
  verifySignedHeader,
} from "./header-signature.js";
import type { TrustJson } from "./proof-bundle.js";
import { type ProvenEntry, type StateProof, verifyStateProof } from "./state-proof.js";
import { decodeTrust, type Trust } from "./trust.js";

/** The bundle format versions this verifier reads. */
export const BUNDLE_VERSION = 1;
/** Most state entries one bundle may prove. */
export const MAX_BUNDLE_ENTRIES = 64;

export interface VerifyBundleOptions {
  /** The caller's clock, milliseconds since the epoch (core reads no clock). */
  readonly now: number;
  /** How long a trusted validator set stays trusted; CometBFT's default two weeks if absent. */
  readonly trustingPeriodMs?: number;
}

/** What a bundle proved: each key's value (null: absent) in the state at `height`. */
export interface VerifiedBundle {
  readonly chainId: string;
  readonly engine: "embedded" | "cometbft";
  readonly height: number;
  readonly appHash: string;
  readonly entries: readonly ProvenEntry[];
  /** CometBFT: the trust the verified header supports, to save and verify later bundles from. */
  readonly checkpoint?: TrustJson;
}

/** A bundle decoded: every field in its type, bytes as bytes. */
type DecodedCommit =
  | {
      readonly engine: "embedded";
      readonly header: BlockHeader;
      readonly signature: HeaderSignature;
    }
  | {
      readonly engine: "cometbft";
      readonly header: CometHeader;
      readonly commit: CometCommit;
      readonly validators: CometValidatorSet;
      readonly validatorsJson: readonly { readonly pubKey: string; readonly power: number }[];
    };

export interface DecodedBundle {
  readonly chainId: string;
  readonly height: number;
  readonly appHash: Uint8Array;
  readonly entries: readonly StateProof[];
  readonly commit: DecodedCommit;
}

const malformed = (why: string) => makeError("PROOF_MALFORMED", `The bundle is malformed: ${why}`);
const objectOf = (v: unknown): Record<string, unknown> =>
  (typeof v === "object" && v !== null && !Array.isArray(v) ? v : {}) as Record<string, unknown>;

function decodeCommit(json: unknown): DecodedCommit {
  const c = objectOf(json);
  if (c["engine"] === "embedded") {
    return {
      engine: "embedded",
      header: decodeBlockHeader(c["header"]),
      signature: decodeHeaderSignature(c["signature"]),
    };
  }
  if (c["engine"] === "cometbft") {
    const signed = objectOf(c["signedHeader"]);
    const validators = decodeValidatorSet(
      c["validators"],
      "The bundle's validators",
      "PROOF_MALFORMED",
    );
    return {
      engine: "cometbft",
      header: decodeCometHeader(signed["header"]),
      commit: decodeCometCommit(signed["commit"]),
      validators,
      validatorsJson: (c["validators"] as { pubKey: string; power: number }[]).map((v) => ({
        pubKey: v.pubKey,
        power: v.power,
      })),
    };
  }
  throw malformed("commit.engine is neither embedded nor cometbft");
}

/** Step 1: decode. PROOF_UNKNOWN_VERSION for a version this verifier does not know. */
export function decodeProofBundle(json: unknown): DecodedBundle {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw malformed("not a JSON object");
  }
  const b = json as Record<string, unknown>;
  if (b["version"] !== BUNDLE_VERSION) {
    throw makeError(
      "PROOF_UNKNOWN_VERSION",
      `Bundle version ${String(b["version"])} is not ${BUNDLE_VERSION}`,
    );
  }
  const chainId = b["chainId"];
  if (typeof chainId !== "string" || chainId.length === 0 || chainId.length > MAX_CHAIN_ID_LENGTH) {
    throw malformed("chainId is not a chain id");
  }
  const height = b["height"];
  if (!Number.isSafeInteger(height) || (height as number) < 0) throw malformed("height");
  const appHash =
    typeof b["appHash"] === "string" && /^[0-9a-f]{64}$/.test(b["appHash"])
      ? fromHex(b["appHash"])
      : undefined;
  if (!appHash) throw malformed("appHash is not 32 bytes of lowercase hex");
  const entries = b["entries"];
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_BUNDLE_ENTRIES) {
    throw malformed(`entries is not a list of 1 to ${MAX_BUNDLE_ENTRIES}`);
  }
  return {
    chainId,
    height: height as number,
    appHash,
    entries: entries.map((e, i) => fromCompactStateProof(e, `entries[${i}]`)),
    commit: decodeCommit(b["commit"]),
  };
}

/** Step 2: the bundle, its header and the trust all name one chain. */
function checkChain(bundle: DecodedBundle, trust: Trust): void {
  const headerChain = bundle.commit.header.chainId;
  if (bundle.chainId !== trust.chainId || headerChain !== trust.chainId) {
    throw makeError(
      "PROOF_WRONG_CHAIN",
      `The trust is for ${trust.chainId}, the bundle for ${bundle.chainId}, its header for ${headerChain}`,
    );
  }
}

/**
 * Step 3: what commits the header. Embedded: a trusted node key signed it. CometBFT: the
 * light-client rules from the trusted validator set. Returns the checkpoint CometBFT supports.
 */
function checkCommitment(
  bundle: DecodedBundle,
  trust: Trust,
  opts: VerifyBundleOptions,
): TrustJson | undefined {
  const c = bundle.commit;
  if (c.engine === "embedded") {
    if (trust.nodeKeys.length === 0) {
      throw makeError("TRUST_INVALID", "An embedded-engine bundle needs a trust with nodeKeys");
    }
    verifySignedHeader({ header: c.header, signature: c.signature }, trust.nodeKeys);
    return undefined;
  }
  if (!trust.validators) {
    throw makeError("TRUST_INVALID", "A CometBFT bundle needs a trust with validators");
  }
  verifyLightHeader({
    trust: trust.validators,
    header: c.header,
    commit: c.commit,
    validators: c.validators,
    now: opts.now,
    trustingPeriodMs: opts.trustingPeriodMs ?? DEFAULT_TRUSTING_PERIOD_MS,
  });
  return {
    chainId: c.header.chainId,
    height: c.header.height,
    time: cometTimeMs(c.header.time),
    validators: c.validatorsJson,
  };
}

/**
 * Step 4: the header carries the bundle's app hash, at the height that commits state `height`:
 * the embedded header of block `height`, or CometBFT's header `height + 1` (a CometBFT header
 * carries the app hash of the state before its own block).
 */
function checkAnchor(bundle: DecodedBundle): void {
  const c = bundle.commit;
  const headerAppHash = c.engine === "embedded" ? fromHex(c.header.appHash) : c.header.appHash;
  if (!headerAppHash || !equalBytes(headerAppHash, bundle.appHash)) {
    throw makeError(
      "PROOF_APP_HASH_MISMATCH",
      `The header carries app hash ${headerAppHash ? toHex(headerAppHash) : "?"}, the bundle ${toHex(bundle.appHash)}`,
    );
  }
  const expected = c.engine === "embedded" ? bundle.height : bundle.height + 1;
  if (c.header.height !== expected) {
    throw makeError(
      "PROOF_HEIGHT_MISMATCH",
      `State ${bundle.height} is committed by header ${expected}, not ${c.header.height}`,
    );
  }
}

/**
 * Verify a proof bundle (ProofBundleJson, parsed) against a trust (a genesis.json or a
 * checkpoint.json, parsed), trusting nothing else. A pipeline of pure steps, each failing with its
 * own code: decode, chain, commitment, anchor, then each entry's state proof reaches the app hash
 * (PROOF_VALUE_MISMATCH for a tampered entry, PROOF_ROOT_MISMATCH for a wrong path).
 */
export function verifyProofBundle(
  bundle: unknown,
  trust: unknown,
  opts: VerifyBundleOptions,
): VerifiedBundle {
  const decoded = decodeProofBundle(bundle);
  const trusted = decodeTrust(trust);
  checkChain(decoded, trusted);
  const checkpoint = checkCommitment(decoded, trusted, opts);
  checkAnchor(decoded);
  const entries = decoded.entries.map((proof) => verifyStateProof(proof, decoded.appHash));
  return {
    chainId: decoded.chainId,
    engine: decoded.commit.engine,
    height: decoded.height,
    appHash: toHex(decoded.appHash),
    entries,
    ...(checkpoint ? { checkpoint } : {}),
  };
}
