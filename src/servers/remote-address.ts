import { isIP } from "node:net";

/**
 * One form per remote address, lower case, so that a dual-stack socket's ::ffff:a.b.c.d is the
 * same peer as a.b.c.d: for client lists, allow-lists and per-address counts alike.
 */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}
