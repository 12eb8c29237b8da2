import type { ErrorCode } from "../errors/catalogue.js";
import { isError } from "../errors/devicechain-error.js";
import type { EquipmentStatus } from "../state/equipment-status.js";
import { pairingHash } from "../state/pairing.js";

/**
 * What to answer for a device the registry does not hold. "reject" refuses it as unknown
 * (DEVICE_UNKNOWN: 404, Experimental-Result 5422, Access-Reject); a status is given in its place
 * (N5g-eir and S13); "accept" lets it on with no status (RADIUS, whose answers are only yes or no;
 * an EIR protocol has no status to send for it and answers it as unknown).
 */
export type UnknownDevicePolicy = "reject" | "accept" | "WHITELISTED" | "GREYLISTED";

/** The policies an EIR protocol (N5g-eir, S13) may be configured with: unknownDevicePolicy. */
export const UNKNOWN_DEVICE_POLICIES = ["reject", "WHITELISTED", "GREYLISTED"] as const;
export type EirUnknownDevicePolicy = (typeof UNKNOWN_DEVICE_POLICIES)[number];

/** A device's genuine pairings as the ledger holds them (docs/CLONES.md). */
export interface HeldPairings {
  /** The device's primary registry key: what its pairing hashes are computed over. */
  readonly deviceId: string;
  readonly hashes: ReadonlySet<string>;
  /** The chain's pairing salt (pairingSaltOf). */
  readonly salt: Uint8Array;
}

/**
 * Why the answer is what it is: the device's own status (by its state), a subscriber paired with
 * it, a subscriber not paired with a device that has pairings, or a device the registry does not
 * hold (the policy answered).
 */
export type AnswerReason = "device_status" | "paired" | "not_paired" | "unknown_device";

/** The EIR answer for one identifier (and subscriber). */
export interface EquipmentAnswer {
  /**
   * The equipment status to give: the device's, per subscriber where it has pairings, or the
   * policy's for an unknown device; undefined when there is none to give.
   */
  readonly status: EquipmentStatus | undefined;
  /** Whether the registry holds the device. */
  readonly known: boolean;
  /**
   * Whether the network may let the device on: any status but BLACKLISTED (TS 22.016: greylisted
   * equipment is tracked, not barred), or, for an unknown device, any policy but "reject".
   */
  readonly admitted: boolean;
  readonly reason: AnswerReason;
  /**
   * The catalogue code of a refusal that has no status (DEVICE_UNKNOWN): its HTTP status, 3GPP
   * cause and Diameter result are what each protocol sends.
   */
  readonly refusal: ErrorCode | undefined;
}

const answer = (
  status: EquipmentStatus | undefined,
  known: boolean,
  admitted: boolean,
  reason: AnswerReason,
  refusal?: ErrorCode,
): EquipmentAnswer => Object.freeze({ status, known, admitted, reason, refusal });

// Every answer there can be, made once: the hot path allocates nothing.
const BY_STATUS: Readonly<Record<EquipmentStatus, EquipmentAnswer>> = {
  WHITELISTED: answer("WHITELISTED", true, true, "device_status"),
  GREYLISTED: answer("GREYLISTED", true, true, "device_status"),
  BLACKLISTED: answer("BLACKLISTED", true, false, "device_status"),
};
const PAIRED = answer("WHITELISTED", true, true, "paired");
const NOT_PAIRED = answer("BLACKLISTED", true, false, "not_paired");
const UNKNOWN: Readonly<Record<UnknownDevicePolicy, EquipmentAnswer>> = {
  reject: answer(undefined, false, false, "unknown_device", "DEVICE_UNKNOWN"),
  accept: answer(undefined, false, true, "unknown_device"),
  WHITELISTED: answer("WHITELISTED", false, true, "unknown_device"),
  GREYLISTED: answer("GREYLISTED", false, true, "unknown_device"),
};

/**
 * Whether a subscriber (any form normaliseSubscriber accepts) is one of the device's pairings; a
 * subscriber with no canonical form is paired with nothing.
 */
export function isPaired(pairings: HeldPairings, subscriber: string): boolean {
  let hash: string;
  try {
    hash = pairingHash(pairings.salt, pairings.deviceId, subscriber);
  } catch (e) {
    if (isError(e, "SUBSCRIBER_BAD_FORMAT")) return false;
    throw e;
  }
  return pairings.hashes.has(hash);
}

/**
 * The EIR answer, from what the ledger holds for an identifier: the device's status (undefined:
 * the registry does not hold it) and its pairings (undefined: it has none; read only when the
 * check carries a subscriber), the subscriber the check carries, and the policy for an unknown
 * device. Pure: the same holdings give the same answer, on every protocol.
 *
 * A check without a subscriber, or for a device without pairings, gets the device's own status.
 * With pairings, a paired subscriber is WHITELISTED and any other BLACKLISTED, unless the device
 * is BLACKLISTED for a stronger reason (lost, stolen, blocked, scrapped), which no pairing
 * overrides.
 */
export function equipmentAnswer(
  status: EquipmentStatus | undefined,
  pairings: HeldPairings | undefined,
  subscriber: string | undefined,
  policy: UnknownDevicePolicy,
): EquipmentAnswer {
  if (status === undefined) return UNKNOWN[policy];
  if (subscriber === undefined || pairings === undefined || status === "BLACKLISTED") {
    return BY_STATUS[status];
  }
  return isPaired(pairings, subscriber) ? PAIRED : NOT_PAIRED;
}
