import { isError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";

/**
 * A registry key as a person writes it, in a form `devicechain device` takes back: the 15-digit
 * IMEI with its check digit (the key keeps 14 digits), a MAC or EUI-64 as AA-BB-…, an EID's
 * digits, and a serial with its manufacturer (`serial:acme-phones:SN-1`), since the serial
 * alone names no device. Anything else is shown as the node sent it.
 */
export function displayIdentifier(key: string): string {
  try {
    const id = parseIdentifier(key, "network");
    return id.kind === "serial" ? id.key : id.display;
  } catch (e) {
    if (isError(e)) return key;
    throw e;
  }
}
