import { randomBytes } from "node:crypto";
import { encodeChallenge } from "../../core/check/ownership-proof.js";
import { makeError } from "../../core/errors/devicechain-error.js";

/** A challenge lives this long. */
export const CHALLENGE_TTL_MS = 60_000;
/** Open (and recently used) challenges a node holds at most: about 20 MB. */
export const MAX_CHALLENGES = 100_000;

interface Entry {
  readonly device: string;
  readonly purpose: string;
  readonly expiresAt: number;
  used: boolean;
}

export interface IssuedChallenge {
  readonly challenge: string;
  readonly expiresAt: number;
}

/**
 * Node-local, single-use challenges for device attestation (never consensus state). Each is bound
 * to a device and a purpose; a used one is remembered until it would have expired, so a replay is
 * told CHALLENGE_USED rather than CHALLENGE_UNKNOWN. Bounded: when full, expired entries go first,
 * then CHALLENGE_STORE_FULL.
 */
export class ChallengeStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = MAX_CHALLENGES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  issue(device: string, purpose: string): IssuedChallenge {
    const now = this.now();
    if (this.entries.size >= this.max) this.sweep(now);
    if (this.entries.size >= this.max) throw makeError("CHALLENGE_STORE_FULL");
    const challenge = encodeChallenge(new Uint8Array(randomBytes(32)));
    const expiresAt = now + CHALLENGE_TTL_MS;
    this.entries.set(challenge, { device, purpose, expiresAt, used: false });
    return { challenge, expiresAt };
  }

  /** Spend a challenge issued for this device and give its purpose; CHALLENGE_UNKNOWN, _EXPIRED or _USED. */
  spend(challenge: string, device: string): string {
    const e = this.entries.get(challenge);
    if (e === undefined || e.device !== device) {
      throw makeError("CHALLENGE_UNKNOWN");
    }
    if (this.now() > e.expiresAt) {
      this.entries.delete(challenge);
      throw makeError("CHALLENGE_EXPIRED");
    }
    if (e.used) throw makeError("CHALLENGE_USED");
    e.used = true;
    return e.purpose;
  }

  /** Entries are in insertion order, which is expiry order: drop from the front. */
  private sweep(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.expiresAt >= now) break;
      this.entries.delete(k);
    }
  }
}
