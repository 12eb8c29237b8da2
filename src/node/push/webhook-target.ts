import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { makeError } from "../../core/errors/devicechain-error.js";

/**
 * Addresses a webhook may not reach unless its host is allow-listed: this node itself, the
 * networks behind it, and what is not unicast on the public Internet (the IANA special-purpose
 * registries, RFC 6890). BlockList matches IPv4-mapped IPv6 (::ffff:a.b.c.d) against the IPv4
 * rules. Translation prefixes that embed an IPv4 address (NAT64, 6to4, Teredo) are refused whole.
 */
const NOT_PUBLIC: BlockList = (() => {
  const list = new BlockList();
  const v4: readonly [string, number][] = [
    ["0.0.0.0", 8], // "this network"
    ["10.0.0.0", 8], // private (RFC 1918)
    ["100.64.0.0", 10], // carrier-grade NAT (RFC 6598)
    ["127.0.0.0", 8], // loopback
    ["169.254.0.0", 16], // link-local, cloud metadata services
    ["172.16.0.0", 12], // private (RFC 1918)
    ["192.0.0.0", 24], // IETF protocol assignments
    ["192.0.2.0", 24], // documentation
    ["192.88.99.0", 24], // 6to4 relay anycast
    ["192.168.0.0", 16], // private (RFC 1918)
    ["198.18.0.0", 15], // benchmarking
    ["198.51.100.0", 24], // documentation
    ["203.0.113.0", 24], // documentation
    ["224.0.0.0", 4], // multicast
    ["240.0.0.0", 4], // reserved, and the broadcast address
  ];
  const v6: readonly [string, number][] = [
    ["::", 96], // unspecified, loopback and the deprecated IPv4-compatible form
    ["64:ff9b::", 96], // NAT64 (RFC 6052)
    ["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215)
    ["100::", 64], // discard-only
    ["2001::", 23], // IETF protocol assignments, Teredo among them
    ["2001:db8::", 32], // documentation
    ["2002::", 16], // 6to4
    ["fc00::", 7], // unique local
    ["fe80::", 10], // link-local
    ["fec0::", 10], // site-local (deprecated)
    ["ff00::", 8], // multicast
  ];
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, "ipv4");
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, "ipv6");
  return list;
})();

/** True for an address literal a webhook may reach without an allow-list entry. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * A host as a URL's hostname spells it (lower case; an IPv4 address in dotted decimal, however it
 * was written; an IPv6 address compressed, without brackets), or undefined if it is not a host.
 */
export function normaliseHost(host: string): string | undefined {
  const literal = isIP(host) === 6 ? `[${host}]` : host;
  try {
    const url = new URL(`http://${literal}/`);
    if (url.host !== url.hostname || url.username !== "" || url.pathname !== "/") return undefined;
    return bare(url.hostname);
  } catch {
    return undefined;
  }
}

const bare = (hostname: string): string =>
  hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;

/** Where a delivery connects: the URL, and the one address that was checked for it. */
export interface CheckedTarget {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

export type Resolve = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

const RESOLVE_TIMEOUT_MS = 5_000;

/** The system resolver (so /etc/hosts too), every address, bounded in time. */
export const systemResolve: Resolve = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("DNS lookup timed out")), RESOLVE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(hostname, { all: true, verbatim: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Resolve a webhook URL's host and check it: a host on the allow-list (as normaliseHost spells
 * it) may be anything; any other must be, or resolve only to, public addresses (one private
 * address among its answers refuses it). A delivery connects to the address returned, never
 * resolving the name again, so DNS cannot answer one address to the check and another to the
 * connection. Throws WEBHOOK_TARGET_FORBIDDEN or WEBHOOK_TARGET_UNRESOLVED.
 */
export async function checkTarget(
  url: URL,
  allowedHosts: ReadonlySet<string>,
  resolve: Resolve = systemResolve,
): Promise<CheckedTarget> {
  const host = bare(url.hostname);
  const allowed = allowedHosts.has(host);
  const literal = isIP(host);
  let answers: readonly { address: string; family: number }[];
  if (literal !== 0) {
    answers = [{ address: host, family: literal }];
  } else {
    try {
      answers = await resolve(host);
    } catch (cause) {
      throw makeError("WEBHOOK_TARGET_UNRESOLVED", undefined, { cause });
    }
  }
  const first = answers[0];
  if (first === undefined || (first.family !== 4 && first.family !== 6)) {
    throw makeError("WEBHOOK_TARGET_UNRESOLVED");
  }
  if (!allowed && !answers.every((a) => isPublicAddress(a.address))) {
    throw makeError("WEBHOOK_TARGET_FORBIDDEN");
  }
  return { url, address: first.address, family: first.family };
}
