import { makeError } from "../errors/devicechain-error.js";
import type { DeviceIdentifier } from "./identifier.js";

/** Parse an eSIM EID: 32 digits whose value is 1 mod 97 (ISO/IEC 7064 MOD 97-10, GSMA SGP.02/SGP.29). */
export function parseEid(input: string): DeviceIdentifier {
  if (!/^[0-9]{32}$/.test(input) || BigInt(input) % 97n !== 1n) {
    throw makeError("EID_BAD_CHECK_DIGITS");
  }
  return { kind: "eid", key: `eid:${input}`, display: input };
}

/** The two check digits that complete the first 30 digits of an EID, as SGP.29 computes them. */
export function eidCheckDigits(first30: string): string {
  if (!/^[0-9]{30}$/.test(first30)) {
    throw makeError("EID_BAD_CHECK_DIGITS", "The check digits complete exactly 30 digits");
  }
  // With 00 in place of the check digits, 98 - (value mod 97) makes the whole value 1 mod 97.
  const check = 98n - (BigInt(`${first30}00`) % 97n);
  return check.toString().padStart(2, "0");
}
