import { makeError } from "../errors/devicechain-error.js";

const FOURTEEN_DIGITS = /^[0-9]{14}$/;

/** The IMEI check digit of TAC+SNR (14 digits), per 3GPP TS 23.003 annex B. */
export function luhnCheckDigit(digits14: string): number {
  if (!FOURTEEN_DIGITS.test(digits14)) {
    throw makeError("IMEI_BAD_FORMAT", "The Luhn check digit is computed over exactly 14 digits");
  }
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const d = digits14.charCodeAt(i) - 48;
    // Annex B labels these digits D14…D1 from the left and doubles the odd-labelled ones.
    const v = i % 2 === 1 ? d * 2 : d;
    sum += v > 9 ? v - 9 : v;
  }
  return (10 - (sum % 10)) % 10;
}
