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
  /**
   * The subscriber the check was answered for, raw as the NAS gave it: the User-Name, unless it
   * only repeats the device's MAC (MAC authentication), in which case there is none.
   */
  readonly subscriber: string | undefined;
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
  /**
   * Whether the request proved its origin: a built-in RADIUS Access-Request with a valid
   * Message-Authenticator (a shared-secret HMAC over the whole packet), an rlm_rest request with
   * the node's bearer token. Only these feed clone detection and tracing.
   */
  readonly authenticated: boolean;
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
  return macOf(callingStationId) ?? macOf(userName);
}

/** The MAC an attribute holds, in any usual notation; undefined if it holds none. */
function macOf(value: string | undefined): DeviceIdentifier | undefined {
  if (value === undefined) return undefined;
  try {
    return parseMac(value.trim());
  } catch (e) {
    if (!isError(e)) throw e;
    return undefined;
  }
}

/**
 * The subscriber a request is checked for: its User-Name, unless that is empty or names the
 * device itself, as MAC authentication does (RFC 3580 §3.20 leaves the user name to the NAS; MAC
 * authentication sends the MAC). A paired device then answers this subscriber's status
 * (docs/CLONES.md); a request with no subscriber gets the device's own status.
 */
export function subscriberOfRequest(
  userName: string | undefined,
  device: DeviceIdentifier,
): string | undefined {
  if (userName === undefined || userName.trim() === "") return undefined;
  return macOf(userName)?.key === device.key ? undefined : userName;
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
