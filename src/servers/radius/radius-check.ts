import { isError } from "../../core/errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../core/identifiers/identifier.js";
import { parseMac } from "../../core/identifiers/mac.js";
import type { EquipmentStatus } from "../../core/state/equipment-status.js";
import type { RadiusUnknownMacPolicy } from "./radius-clients.js";

export type RadiusAnswer = "accept" | "reject";

/** One check this node answered over RADIUS or rlm_rest: what tracing records. */
export interface RadiusCheckObservation {
  /** Registry key of the device's identifier, e.g. "mac:AABBCCDDEEFF". */
  readonly identifierKey: string;
  /** The subscriber as the NAS gave it: User-Name, or Calling-Station-Id without one. Raw. */
  readonly subscriber: string;
  readonly userName?: string;
  readonly callingStationId?: string;
  /** The network: NAS-Identifier, else NAS-IP-Address, else the client's address. */
  readonly nas: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly answer: RadiusAnswer;
  /** The registry's answer; UNKNOWN for a MAC it does not hold. */
  readonly status: EquipmentStatus | "UNKNOWN";
  readonly via: "radius" | "rlm_rest";
}

/** Called for every answered check; a throwing hook is logged, never fatal. */
export type RadiusCheckHook = (observation: RadiusCheckObservation) => void;

/**
 * The device a request names: Calling-Station-Id (RFC 3580 §3.21: the station's MAC) if it is a
 * MAC, else a User-Name that is one (MAC authentication sends the MAC as the user name).
 */
export function deviceOfRequest(
  callingStationId: string | undefined,
  userName: string | undefined,
): DeviceIdentifier | undefined {
  for (const candidate of [callingStationId, userName]) {
    if (candidate === undefined) continue;
    try {
      return parseMac(candidate.trim());
    } catch (e) {
      if (!isError(e)) throw e;
    }
  }
  return undefined;
}

/**
 * Accept WHITELISTED and GREYLISTED devices (TS 22.016: greylisted equipment is tracked, not
 * barred), reject BLACKLISTED ones, and unknown ones as the hotspot's policy says.
 */
export function radiusAnswer(
  status: EquipmentStatus | undefined,
  unknownMac: RadiusUnknownMacPolicy,
): RadiusAnswer {
  if (status === undefined) return unknownMac;
  return status === "BLACKLISTED" ? "reject" : "accept";
}
