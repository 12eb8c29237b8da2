import { isIP } from "node:net";
import { normalizeAddress } from "../remote-address.js";

/** One Diameter peer (an MME, SGSN or relay agent) allowed to ask this EIR over S13. */
export interface DiameterPeerConfig {
  /** Its Origin-Host (RFC 6733 DiameterIdentity), compared without regard to case. */
  readonly host: string;
  /** Its Origin-Realm. */
  readonly realm: string;
  /** The address its connections must come from; any address when absent. */
  readonly address?: string;
}

/** What S13 does with a peer that is not listed, once at least one peer is. */
export const DIAMETER_UNLISTED_PEER_POLICIES = ["refuse", "answer"] as const;
export type DiameterUnlistedPeerPolicy = (typeof DIAMETER_UNLISTED_PEER_POLICIES)[number];

const IDENTITY = /^[A-Za-z0-9.-]{1,255}$/;
const MAX_PEERS = 1_000;

/** Why a diameterPeers value is unusable, or undefined when it is good. */
export function diameterPeersProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "must be a list of {host, realm, address?}";
  if (value.length > MAX_PEERS) return `may list at most ${MAX_PEERS} peers`;
  for (const [i, entry] of value.entries()) {
    const at = `entry ${i}:`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      return `${at} must be an object {host, realm, address?}`;
    }
    const { host, realm, address, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) return `${at} unknown field "${unknown}"`;
    if (typeof host !== "string" || !IDENTITY.test(host)) return `${at} host must be a host name`;
    if (typeof realm !== "string" || !IDENTITY.test(realm)) {
      return `${at} realm must be a realm name`;
    }
    if (address !== undefined && (typeof address !== "string" || isIP(address) === 0)) {
      return `${at} address must be an IPv4 or IPv6 address`;
    }
  }
  return undefined;
}

/**
 * The allow-list of S13 peers. Origin-Host and Origin-Realm are what the peer says it is; an
 * entry with an address also pins where its connections come from, which is what makes the name
 * hard to borrow without TLS or IPsec.
 */
export class DiameterPeerList {
  private readonly peers: readonly DiameterPeerConfig[];

  constructor(peers: readonly DiameterPeerConfig[]) {
    this.peers = peers.map((p) => ({
      host: p.host.toLowerCase(),
      realm: p.realm.toLowerCase(),
      ...(p.address === undefined ? {} : { address: normalizeAddress(p.address) }),
    }));
  }

  /** Whether any peer is configured: only then is anyone refused or authenticated. */
  get active(): boolean {
    return this.peers.length > 0;
  }

  /** The listed peer with this identity, reached from this address; undefined if none. */
  match(
    host: string | undefined,
    realm: string | undefined,
    remoteAddress: string | undefined,
  ): DiameterPeerConfig | undefined {
    if (host === undefined || realm === undefined) return undefined;
    const h = host.toLowerCase();
    const r = realm.toLowerCase();
    const from = remoteAddress === undefined ? undefined : normalizeAddress(remoteAddress);
    return this.peers.find(
      (p) => p.host === h && p.realm === r && (p.address === undefined || p.address === from),
    );
  }
}
