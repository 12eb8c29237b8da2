import { isIP } from "node:net";
import type { UnknownDevicePolicy } from "../../core/check/equipment-check.js";
import { normalizeAddress } from "../remote-address.js";

/** A NAS allowed to talk RADIUS to this node, with its own shared secret. */
export interface RadiusClientConfig {
  /** The NAS's source IP address (IPv4 or IPv6 literal); requests from other addresses are dropped. */
  readonly address: string;
  readonly secret: string;
  /** A name for logs and metrics; the address by default. */
  readonly name?: string;
  /** Where the NAS takes Disconnect-Requests (RFC 5176); radiusCoaPort by default. */
  readonly coaPort?: number;
  /** Drop Access-Requests without a valid Message-Authenticator (BlastRADIUS); true by default. */
  readonly requireMessageAuthenticator?: boolean;
}

/** What a hotspot answers for a MAC the registry does not know (radiusUnknownMac). */
export const RADIUS_UNKNOWN_MAC_POLICIES = [
  "reject",
  "accept",
] as const satisfies readonly UnknownDevicePolicy[];
export type RadiusUnknownMacPolicy = (typeof RADIUS_UNKNOWN_MAC_POLICIES)[number];

const FIELDS = new Set(["address", "secret", "name", "coaPort", "requireMessageAuthenticator"]);

/**
 * Why a radiusClients value is not a valid list of clients, or undefined when it is. Each entry
 * needs an IP address and a secret of 1 to 128 characters; addresses must be distinct.
 */
export function radiusClientsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "must be a list of {address, secret, name?, coaPort?}";
  const seen = new Set<string>();
  for (const [i, c] of value.entries()) {
    const at = `entry ${i}:`;
    if (typeof c !== "object" || c === null || Array.isArray(c)) return `${at} must be an object`;
    for (const k of Object.keys(c)) if (!FIELDS.has(k)) return `${at} has an unknown field "${k}"`;
    const { address, secret, name, coaPort, requireMessageAuthenticator } = c as Record<
      string,
      unknown
    >;
    if (typeof address !== "string" || isIP(address) === 0) {
      return `${at} address must be an IPv4 or IPv6 address`;
    }
    const key = normalizeAddress(address);
    if (seen.has(key)) return `${at} address ${address} is listed twice`;
    seen.add(key);
    if (typeof secret !== "string" || secret.length === 0 || secret.length > 128) {
      return `${at} secret must be a string of 1 to 128 characters`;
    }
    if (name !== undefined && (typeof name !== "string" || !/^[\w.:-]{1,64}$/.test(name))) {
      return `${at} name must be 1 to 64 letters, digits, '.', ':', '_' or '-'`;
    }
    if (
      coaPort !== undefined &&
      !(Number.isSafeInteger(coaPort) && (coaPort as number) >= 1 && (coaPort as number) <= 65_535)
    ) {
      return `${at} coaPort must be a port, 1 to 65535`;
    }
    if (
      requireMessageAuthenticator !== undefined &&
      typeof requireMessageAuthenticator !== "boolean"
    ) {
      return `${at} requireMessageAuthenticator must be true or false`;
    }
  }
  return undefined;
}
