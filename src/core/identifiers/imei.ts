import { makeError } from "../errors/devicechain-error.js";
import type { DeviceIdentifier, Origin } from "./identifier.js";
import { luhnCheckDigit } from "./luhn.js";

/** An IMEI or IMEISV split into its TS 23.003 parts, with the registry key it resolves to. */
export interface Imei {
  /** Type Allocation Code, 8 digits. */
  readonly tac: string;
  /** Serial number, 6 digits. */
  readonly snr: string;
  /** Software version number, 2 digits; IMEISV only. */
  readonly svn?: string;
  /** `imei:<TAC><SNR>`: the IMEI, IMEI without check digit and IMEISV of a device share it. */
  readonly key: string;
  /** The 15-digit IMEI with its computed check digit. */
  readonly display: string;
}

const DIGITS = /^[0-9]+$/;
const KEY = /^(?:imei:)?([0-9]{14})$/;

/**
 * Parse 14 digits (IMEI without check digit), 15 (IMEI) or 16 (IMEISV). A 15th digit is
 * verified only for a person's input: networks send a spare digit 0 in its place
 * (TS 23.003 §6.2.1, TS 24.501 §9.11.3.4), so a network's 15th digit carries no information.
 */
export function parseImei(digits: string, origin: Origin): Imei {
  if (!DIGITS.test(digits) || digits.length < 14 || digits.length > 16) {
    throw makeError("IMEI_BAD_FORMAT");
  }
  const tacSnr = digits.slice(0, 14);
  const check = luhnCheckDigit(tacSnr);
  if (digits.length === 15 && origin === "person" && digits.charCodeAt(14) - 48 !== check) {
    throw makeError("IMEI_BAD_CHECK_DIGIT");
  }
  const parts = {
    tac: tacSnr.slice(0, 8),
    snr: tacSnr.slice(8),
    key: `imei:${tacSnr}`,
    display: `${tacSnr}${check}`,
  };
  // The IMEISV has no check digit: its last two digits are the software version.
  return digits.length === 16 ? { ...parts, svn: digits.slice(14) } : parts;
}

/** The registry's view of a parsed IMEI: kind, key, display, TAC and (IMEISV) SVN. */
export function imeiIdentifier(imei: Imei): DeviceIdentifier {
  const id = { kind: "imei", key: imei.key, display: imei.display, tac: imei.tac } as const;
  return imei.svn === undefined ? id : { ...id, svn: imei.svn };
}

/** The full 15-digit IMEI, check digit included, for a key `imei:<14 digits>` or the 14 digits alone. */
export function formatImei(key: string): string {
  const m = KEY.exec(key);
  if (!m?.[1]) throw makeError("IMEI_BAD_FORMAT", "Expected imei:<14 digits> or 14 digits");
  return `${m[1]}${luhnCheckDigit(m[1])}`;
}
