import { makeError } from "../errors/devicechain-error.js";
import { parseEui64 } from "./eui64.js";
import type { DeviceIdentifier } from "./identifier.js";
import { imeiIdentifier, parseImei } from "./imei.js";
import { parseMac } from "./mac.js";

const UNTRUSTED = "-untrusted";

/**
 * Parse a TS 29.571 PEI: imei-<15 digits>, imeisv-<16 digits>, mac-AA-BB-CC-DD-EE-FF with an
 * optional -untrusted, or eui-<8 hex groups>. A PEI comes from the network, so an IMEI's 15th
 * digit is not checked.
 */
export function parsePei(pei: string): DeviceIdentifier {
  if (pei.startsWith("imei-")) {
    const body = pei.slice("imei-".length);
    if (!/^[0-9]{15}$/.test(body)) throw makeError("IMEI_BAD_FORMAT", "A PEI imei- has 15 digits");
    return imeiIdentifier(parseImei(body, "network"));
  }
  if (pei.startsWith("imeisv-")) {
    const body = pei.slice("imeisv-".length);
    if (!/^[0-9]{16}$/.test(body))
      throw makeError("IMEI_BAD_FORMAT", "A PEI imeisv- has 16 digits");
    return imeiIdentifier(parseImei(body, "network"));
  }
  if (pei.startsWith("mac-")) {
    const untrusted = pei.endsWith(UNTRUSTED);
    const body = pei.slice("mac-".length, untrusted ? -UNTRUSTED.length : undefined);
    if (!/^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}$/.test(body)) throw makeError("MAC_BAD_FORMAT");
    const mac = parseMac(body);
    return untrusted ? { ...mac, untrusted: true } : mac;
  }
  if (pei.startsWith("eui-")) {
    const body = pei.slice("eui-".length);
    if (!/^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}$/.test(body)) throw makeError("EUI64_BAD_FORMAT");
    return parseEui64(body);
  }
  throw makeError("PEI_BAD_FORMAT");
}
