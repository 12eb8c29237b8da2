import { makeError } from "../errors/devicechain-error.js";
import type { DeviceIdentifier } from "./identifier.js";

const NOTATIONS = [
  /^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}$/,
  /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){7}$/,
  /^[0-9A-Fa-f]{16}$/,
];

/** Parse an EUI-64: 16 hex digits, bare or as 8 groups separated throughout by `-` or `:`. */
export function parseEui64(input: string): DeviceIdentifier {
  if (!NOTATIONS.some((re) => re.test(input))) throw makeError("EUI64_BAD_FORMAT");
  const hex = input.replace(/[:-]/g, "").toUpperCase();
  return { kind: "eui64", key: `eui64:${hex}`, display: hex.match(/../g)!.join("-") };
}
