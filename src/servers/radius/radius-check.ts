import { isError } from "../../core/errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../core/identifiers/identifier.js";
import { parseMac } from "../../core/identifiers/mac.js";

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
