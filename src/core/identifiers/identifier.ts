import { isError, makeError } from "../errors/devicechain-error.js";
import { parseEid } from "./eid.js";
import { parseEui64 } from "./eui64.js";
import { imeiIdentifier, parseImei } from "./imei.js";
import { parseMac } from "./mac.js";
import { parsePei } from "./pei.js";
import { parseSerial } from "./serial.js";

export type IdentifierKind = "imei" | "mac" | "eui64" | "eid" | "serial";

/**
 * Who wrote the identifier. A person's 15-digit IMEI has its check digit verified; a
 * network's does not, because networks send a spare 0 in its place.
 */
export type Origin = "person" | "network";

/** A device identifier resolved to the registry key it is stored under. */
export interface DeviceIdentifier {
  readonly kind: IdentifierKind;
  /** Registry key, e.g. `imei:49015420323751`, `mac:AABBCCDDEEFF`. */
  readonly key: string;
  /** Human form: the 15-digit IMEI with check digit, AA-BB-… for MAC and EUI-64, the serial. */
  readonly display: string;
  /** Type Allocation Code; IMEI family only. */
  readonly tac?: string;
  /** Software version number; IMEISV only. */
  readonly svn?: string;
  /** A PEI mac-…-untrusted: the network could not vouch for the MAC. */
  readonly untrusted?: boolean;
}

// Bounds the work done on hostile input. It is the length of the longest canonical key
// ("serial:" + 63-char manufacturer + ":" + 64-char serial = 135), so every key parses back.
const MAX_INPUT = "serial:".length + 63 + 1 + 64;

const PEI_PREFIX = /^(?:imei|imeisv|mac|eui)-/;
const KEY_PREFIX = /^(imei|imeisv|mac|eui64|eid|serial):(.*)$/is;
const DIGITS = /^[0-9]+$/;
const HEX_AND_SEPARATORS = /^[0-9A-Fa-f:.-]+$/;

/** Resolve any accepted written form of a device identifier to its registry key, or throw a coded error. */
export function parseIdentifier(input: string, origin: Origin): DeviceIdentifier {
  if (input.length > MAX_INPUT) throw makeError("IDENTIFIER_UNRECOGNISED", "Identifier too long");
  const s = input.trim();
  if (s === "") throw makeError("IDENTIFIER_UNRECOGNISED", "Identifier is empty");

  if (PEI_PREFIX.test(s)) return parsePei(s);

  const prefixed = KEY_PREFIX.exec(s);
  if (prefixed) return parsePrefixed(prefixed[1]!.toLowerCase(), prefixed[2]!, origin);

  if (DIGITS.test(s)) {
    if (s.length === 12) return parseMac(s);
    // 13 and 17 digits are most likely an IMEI with a digit missing or extra.
    if (s.length >= 13 && s.length <= 17) return imeiIdentifier(parseImei(s, origin));
    if (s.length === 32) return parseEid(s);
    throw makeError("IDENTIFIER_UNRECOGNISED");
  }

  if (HEX_AND_SEPARATORS.test(s)) {
    // Route on the hex digit count so a malformed MAC or EUI-64 gets its own error code.
    const hexCount = s.replace(/[:.-]/g, "").length;
    if (hexCount === 12) return parseMac(s);
    if (hexCount === 16) return parseEui64(s);
  }
  throw makeError("IDENTIFIER_UNRECOGNISED");
}

function parsePrefixed(prefix: string, body: string, origin: Origin): DeviceIdentifier {
  switch (prefix) {
    case "imei":
      if (!/^[0-9]{14,15}$/.test(body))
        throw makeError("IMEI_BAD_FORMAT", "imei: takes 14 or 15 digits");
      return imeiIdentifier(parseImei(body, origin));
    case "imeisv":
      if (!/^[0-9]{16}$/.test(body)) throw makeError("IMEI_BAD_FORMAT", "imeisv: takes 16 digits");
      return imeiIdentifier(parseImei(body, origin));
    case "mac":
      return parseMac(body);
    case "eui64":
      return parseEui64(body);
    case "eid":
      return parseEid(body);
    case "serial": {
      // Neither a manufacturer id nor a serial contains ':', so the first one splits them.
      const colon = body.indexOf(":");
      if (colon < 0)
        throw makeError("SERIAL_BAD_FORMAT", "Expected serial:<manufacturer>:<serial>");
      return parseSerial(body.slice(0, colon), body.slice(colon + 1));
    }
    default:
      throw makeError("IDENTIFIER_UNRECOGNISED");
  }
}

/** True if `s` is already a canonical registry key, exactly as the registry stores it. */
export function isIdentifierKey(s: string): boolean {
  try {
    return parseIdentifier(s, "network").key === s;
  } catch (e) {
    if (isError(e)) return false;
    throw e;
  }
}
