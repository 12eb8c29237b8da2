import { verifyEd25519 } from "../../crypto/ed25519.js";
import { equalBytes, toBase64Url, toHex } from "../../encoding/bytes.js";
import { makeError } from "../../errors/devicechain-error.js";
import { cometTimeMs } from "./comet-time.js";
import { BLOCK_ID_FLAG, type CometCommit } from "./commit.js";
import { type CometHeader, cometHeaderHash } from "./header-hash.js";
import { type CometValidatorSet, validatorByAddress, validatorSetHash } from "./validator-set.js";
import { precommitSignBytes } from "./vote-sign-bytes.js";

/**
 * CometBFT's light-client rules (light/verifier.go, types/validation.go), for a client that
 * trusts a validator set (a genesis or a checkpoint) rather than a header: a header is accepted
 * when its own validator set signed it with more than 2/3 of its power and, unless that set is
 * the trusted one, the trusted set signed it with more than 1/3 of its power (the default trust
 * level), within the trusting period.
 */

/** CometBFT's default trusting period for a light client: two weeks. */
export const DEFAULT_TRUSTING_PERIOD_MS = 14 * 24 * 60 * 60 * 1000;
/** How far in the future (by the caller's clock) a header may be: light.DefaultMaxClockDrift. */
export const MAX_CLOCK_DRIFT_MS = 10_000;

/** A validator set the client trusts, and the height and time it was trusted at. */
export interface TrustedSet {
  readonly chainId: string;
  readonly height: number;
  /** Milliseconds since the epoch; the trusting period runs from here. */
  readonly time: number;
  readonly set: CometValidatorSet;
}

/** Step: the commit is for this header (its height, and its block id names the header's hash). */
export function checkCommitIsForHeader(header: CometHeader, commit: CometCommit): void {
  if (commit.height !== header.height) {
    throw makeError(
      "PROOF_COMMIT_MISMATCH",
      `The commit is for height ${commit.height}, the header is ${header.height}`,
    );
  }
  const hash = cometHeaderHash(header);
  if (!equalBytes(commit.blockId.hash, hash)) {
    throw makeError(
      "PROOF_COMMIT_MISMATCH",
      `The commit signs block ${toHex(commit.blockId.hash)}, the header hashes to ${toHex(hash)}`,
    );
  }
}

/**
 * Step: the trust has not expired by `now`, the header is not from the future, and it does not
 * come before what is trusted (a light client only moves forward).
 */
export function checkTrustingPeriod(
  trust: TrustedSet,
  header: CometHeader,
  now: number,
  trustingPeriodMs: number,
): void {
  if (trust.time + trustingPeriodMs <= now) {
    throw makeError(
      "PROOF_TRUST_EXPIRED",
      `The trust of ${new Date(trust.time).toISOString()} expired ${trustingPeriodMs} ms later`,
    );
  }
  const time = cometTimeMs(header.time);
  if (time > now + MAX_CLOCK_DRIFT_MS) {
    throw makeError(
      "PROOF_HEADER_FROM_FUTURE",
      `Header ${header.height} is from ${new Date(time).toISOString()}, after now`,
    );
  }
  if (header.height < trust.height || time < trust.time) {
    throw makeError(
      "PROOF_HEADER_BEFORE_TRUST",
      `Header ${header.height} comes before the trusted height ${trust.height}`,
    );
  }
}

/** Step: the bundle's validator set is the one the header names (its validators_hash). */
export function checkValidatorsHash(header: CometHeader, set: CometValidatorSet): void {
  if (!equalBytes(validatorSetHash(set), header.validatorsHash)) {
    throw makeError(
      "PROOF_VALIDATORS_MISMATCH",
      `The validator set does not hash to header ${header.height}'s validators_hash`,
    );
  }
}

/** The bytes validator `index` signed in `commit`, on `chainId`. */
function signBytesOf(chainId: string, commit: CometCommit, index: number): Uint8Array {
  const sig = commit.signatures[index]!;
  if (sig.flag === BLOCK_ID_FLAG.absent) throw new RangeError("an absent vote signs nothing");
  return precommitSignBytes({
    chainId,
    height: commit.height,
    round: commit.round,
    blockId: sig.flag === BLOCK_ID_FLAG.commit ? commit.blockId : undefined,
    timestamp: sig.timestamp,
  });
}

/**
 * Step: the header's own validator set signed the commit with more than 2/3 of its power
 * (VerifyCommitLight: signatures by index; absent and nil votes count for nothing). Unlike
 * CometBFT's light client, which stops once 2/3 is reached, every commit signature is checked: a
 * bundle carrying one forged signature is refused whole. Returns the indices it verified.
 */
export function verifyCommitLight(
  chainId: string,
  set: CometValidatorSet,
  commit: CometCommit,
): ReadonlySet<number> {
  if (commit.signatures.length !== set.validators.length) {
    throw makeError(
      "PROOF_COMMIT_MISMATCH",
      `The commit has ${commit.signatures.length} votes for ${set.validators.length} validators`,
    );
  }
  let tallied = 0n;
  const verified = new Set<number>();
  commit.signatures.forEach((sig, i) => {
    if (sig.flag !== BLOCK_ID_FLAG.commit) return;
    const validator = set.validators[i]!;
    if (!equalBytes(sig.validatorAddress, validator.address)) {
      throw makeError(
        "PROOF_UNKNOWN_VALIDATOR",
        `Vote ${i} names ${toHex(sig.validatorAddress)}, not validator ${i} of the set`,
      );
    }
    if (
      !verifyEd25519(toBase64Url(validator.pubKey), signBytesOf(chainId, commit, i), sig.signature)
    ) {
      throw makeError("PROOF_FORGED_SIGNATURE", `Vote ${i}'s signature does not verify`);
    }
    verified.add(i);
    tallied += validator.power;
  });
  const needed = (set.totalPower * 2n) / 3n;
  if (tallied <= needed) {
    throw makeError(
      "PROOF_INSUFFICIENT_SIGNATURES",
      `The commit carries ${tallied} of ${set.totalPower} voting power; more than ${needed} is needed`,
    );
  }
  return verified;
}

/**
 * Step (skipping): the trusted set, which need not be the header's, signed the commit with more
 * than 1/3 of its power (VerifyCommitLightTrusting: votes found by address; one validator voting
 * twice is refused). `verified` names the votes already checked under the same key.
 */
export function verifyCommitTrusting(
  chainId: string,
  trusted: CometValidatorSet,
  commit: CometCommit,
  headerSet: CometValidatorSet,
  verified: ReadonlySet<number>,
): void {
  let tallied = 0n;
  const seen = new Set<number>();
  commit.signatures.forEach((sig, i) => {
    if (sig.flag !== BLOCK_ID_FLAG.commit) return;
    const found = validatorByAddress(trusted, sig.validatorAddress);
    if (!found) return;
    if (seen.has(found.index)) {
      throw makeError(
        "PROOF_DUPLICATE_VALIDATOR",
        `Validator ${toHex(sig.validatorAddress)} votes twice`,
      );
    }
    seen.add(found.index);
    const same =
      verified.has(i) &&
      equalBytes(headerSet.validators[i]?.pubKey ?? new Uint8Array(), found.validator.pubKey);
    if (
      !same &&
      !verifyEd25519(
        toBase64Url(found.validator.pubKey),
        signBytesOf(chainId, commit, i),
        sig.signature,
      )
    ) {
      throw makeError("PROOF_FORGED_SIGNATURE", `Vote ${i}'s signature does not verify`);
    }
    tallied += found.validator.power;
  });
  const needed = trusted.totalPower / 3n;
  if (tallied <= needed) {
    throw makeError(
      "PROOF_UNTRUSTED_VALIDATORS",
      `The trusted validators signed ${tallied} of their ${trusted.totalPower} voting power; more than ${needed} is needed`,
    );
  }
}

/**
 * The whole light-client check of a signed header against a trusted set, in order: the commit is
 * the header's, the trust is in its period, the set is the header's, the set signed it (> 2/3),
 * and the trusted set signed it (> 1/3) unless it is the trusted set itself.
 */
export function verifyLightHeader(input: {
  readonly trust: TrustedSet;
  readonly header: CometHeader;
  readonly commit: CometCommit;
  readonly validators: CometValidatorSet;
  readonly now: number;
  readonly trustingPeriodMs: number;
}): void {
  const { trust, header, commit, validators } = input;
  checkCommitIsForHeader(header, commit);
  checkTrustingPeriod(trust, header, input.now, input.trustingPeriodMs);
  checkValidatorsHash(header, validators);
  const verified = verifyCommitLight(header.chainId, validators, commit);
  if (equalBytes(validatorSetHash(trust.set), header.validatorsHash)) return;
  verifyCommitTrusting(header.chainId, trust.set, commit, validators, verified);
}
