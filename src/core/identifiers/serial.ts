import { makeError } from "../errors/devicechain-error.js";
import type { DeviceIdentifier } from "./identifier.js";

const MANUFACTURER = /^[a-z0-9][a-z0-9-]{1,62}$/;
// Checked before upper-casing: toUpperCase maps some non-ASCII letters (ı, ſ) onto ASCII ones.
const SERIAL = /^[A-Za-z0-9._/-]{1,64}$/;

/** Parse a manufacturer's serial number; serials are unique only within one manufacturer. */
export function parseSerial(manufacturerId: string, serial: string): DeviceIdentifier {
  if (!MANUFACTURER.test(manufacturerId)) {
    throw makeError("SERIAL_BAD_FORMAT", "A serial is namespaced by a manufacturer member id");
  }
  const s = serial.trim();
  if (!SERIAL.test(s)) throw makeError("SERIAL_BAD_FORMAT");
  const upper = s.toUpperCase();
  return { kind: "serial", key: `serial:${manufacturerId}:${upper}`, display: upper };
}
