import { makeError } from "../errors/devicechain-error.js";

/**
 * Subscriber identities as the enforcement interfaces see them, reduced to one canonical form so
 * that the same subscriber hashes the same whichever interface reported it (docs/CLONES.md):
 *
 * | seen as | example | canonical |
 * |---|---|---|
 * | N5g-eir `supi` (TS 29.571 Supi, type IMSI) | `imsi-001010000000001` | `imsi-001010000000001` |
 * | S13 User-Name (TS 29.272 §7.3.1: the IMSI) | `001010000000001` | `imsi-001010000000001` |
 * | RADIUS User-Name, EAP-SIM/AKA/AKA' permanent identity (TS 23.003 §14.3) | `0001010000000001@wlan.mnc001.mcc001.3gppnetwork.org` | `imsi-001010000000001` |
 * | N5g-eir `supi` of type NAI | `nai-alice@Example.ORG` | `nai-alice@example.org` |
 * | RADIUS User-Name, anything else | `alice@Example.ORG` | `nai-alice@example.org` |
 * | N5g-eir `supi` of type GCI or GLI (wireline) | `gci-…`, `gli-…` | unchanged |
 *
 * An IMSI has 5 to 15 digits (the TS 29.571 Supi pattern's range). In a NAI the realm is
 * case-insensitive (RFC 7542 §2.4) and is lowercased; the user part is kept as it is.
 */
export type CanonicalSubscriber = string;

const MAX_SUBSCRIBER = 253;
const IMSI = /^[0-9]{5,15}$/;
const SUPI_IMSI = /^imsi-([0-9]{5,15})$/;
/** TS 23.003 §14.3: "0" (EAP-AKA), "1" (EAP-SIM) or "6" (EAP-AKA') + IMSI @ the WLAN realm. */
const EAP_PERMANENT_NAI = /^[016]([0-9]{5,15})@wlan\.mnc[0-9]{3}\.mcc[0-9]{3}\.3gppnetwork\.org$/i;
const WIRELINE = /^(gci|gli)-./;
// Printable ASCII and any non-control Unicode: no separators or controls can reach the hash.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function lowerRealm(nai: string): string {
  const at = nai.lastIndexOf("@");
  return at < 0 ? nai : nai.slice(0, at + 1) + nai.slice(at + 1).toLowerCase();
}

/** The canonical form of a SUPI, a bare IMSI or a user name; SUBSCRIBER_BAD_FORMAT otherwise. */
export function normaliseSubscriber(input: string): CanonicalSubscriber {
  if (input.length === 0 || input.length > MAX_SUBSCRIBER || CONTROL.test(input)) {
    throw makeError("SUBSCRIBER_BAD_FORMAT", "A subscriber is 1-253 printable characters");
  }
  const supi = SUPI_IMSI.exec(input);
  if (supi) return `imsi-${supi[1]}`;
  if (input.startsWith("imsi-"))
    throw makeError("SUBSCRIBER_BAD_FORMAT", "An IMSI has 5-15 digits");
  if (IMSI.test(input)) return `imsi-${input}`;
  const eap = EAP_PERMANENT_NAI.exec(input);
  if (eap) return `imsi-${eap[1]}`;
  if (WIRELINE.test(input)) return input;
  const nai = input.startsWith("nai-") ? input.slice(4) : input;
  if (nai.length === 0) throw makeError("SUBSCRIBER_BAD_FORMAT", "A NAI SUPI needs a user name");
  return `nai-${lowerRealm(nai)}`;
}
