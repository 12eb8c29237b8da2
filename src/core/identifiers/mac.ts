import { makeError } from "../errors/devicechain-error.js";
import type { DeviceIdentifier } from "./identifier.js";

// One separator throughout: a mixed form such as aa:bb-cc… is more likely a typo than a MAC.
const NOTATIONS = [
  /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/,
  /^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}$/,
  /^[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2}$/, // Cisco
  /^[0-9A-Fa-f]{12}$/,
];

/** Parse a MAC-48 written as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or 12 bare hex digits. */
export function parseMac(input: string): DeviceIdentifier {
  if (!NOTATIONS.some((re) => re.test(input))) throw makeError("MAC_BAD_FORMAT");
  const hex = input.replace(/[:.-]/g, "").toUpperCase();
  return { kind: "mac", key: `mac:${hex}`, display: formatMac(hex) };
}

/** AA-BB-CC-DD-EE-FF for 12 hex digits: the form FreeRADIUS normalises Calling-Station-Id to. */
export function formatMac(hex12: string): string {
  if (!/^[0-9A-Fa-f]{12}$/.test(hex12)) throw makeError("MAC_BAD_FORMAT");
  return hex12.toUpperCase().match(/../g)!.join("-");
}
