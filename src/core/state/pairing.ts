import { sha256, sha256Parts } from "../crypto/hash.js";
import { fromHex, toHex, utf8 } from "../encoding/bytes.js";
import type { Json } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";
import { normaliseSubscriber } from "../identifiers/subscriber.js";
import type { ChainInfo } from "./chain.js";
import { pairingDelegationKey } from "./keys.js";
import type { StateReader, StateWriter } from "./state.js";

/**
 * IMEI–subscriber pairings (docs/CLONES.md). A pairing is a salted hash of a device's primary
 * registry key and a canonical subscriber: every node can recompute it from the SUPI or IMSI a
 * check carries, and the ledger never holds the subscriber itself.
 */
export const PAIRING_HASH = /^[0-9a-f]{64}$/;
export const PAIRING_SALT = /^[0-9a-f]{64}$/;
/** Enough for a dual-SIM phone used by a household; a bound keeps the device record small. */
export const MAX_PAIRINGS = 8;

/** One genuine pairing on a device record. */
export interface Pairing {
  /** pairingHash(salt, device.id, subscriber), hex. */
  readonly hash: string;
  /** Member id of the regulator or delegated manufacturer that recorded it. */
  readonly by: string;
  readonly height: number;
}

const DOMAIN = utf8("devicechain/pairing/v1");
const SEP = new Uint8Array([0]);

/** The salt a chain uses when its genesis names none: derived from the chain id, so public. */
export function defaultPairingSalt(chainId: string): string {
  return toHex(sha256(utf8(`devicechain/pairing-salt/v1:${chainId}`)));
}

/** The consortium-wide pairing salt of a chain (32 bytes), as every node computes it. */
export function pairingSaltOf(chain: ChainInfo): Uint8Array {
  const hex = chain.pairingSalt ?? defaultPairingSalt(chain.chainId);
  const salt = fromHex(hex);
  if (salt?.length !== 32) {
    throw makeError("GENESIS_INVALID", "The chain's pairing salt is not 32 bytes of hex");
  }
  return salt;
}

/**
 * The pairing hash of a device and a subscriber: SHA-256 over a domain tag, the 32-byte salt,
 * the device's primary registry key and the canonical subscriber, NUL-separated (neither part
 * can contain NUL). Throws SUBSCRIBER_BAD_FORMAT for a subscriber that has no canonical form.
 */
export function pairingHash(salt: Uint8Array, identifierKey: string, subscriber: string): string {
  const canonical = normaliseSubscriber(subscriber);
  return toHex(sha256Parts(DOMAIN, SEP, salt, SEP, utf8(identifierKey), SEP, utf8(canonical)));
}

/** The regulator's delegation of pairing authority to a manufacturer, for its own devices. */
export interface PairingDelegation {
  readonly by: string;
  readonly height: number;
}

export function readPairingDelegation(
  state: StateReader,
  manufacturer: string,
): PairingDelegation | undefined {
  return state.get(pairingDelegationKey(manufacturer)) as unknown as PairingDelegation | undefined;
}

export function writePairingDelegation(
  state: StateWriter,
  manufacturer: string,
  d: PairingDelegation | undefined,
): void {
  if (d === undefined) state.delete(pairingDelegationKey(manufacturer));
  else state.put(pairingDelegationKey(manufacturer), d as unknown as Json);
}
