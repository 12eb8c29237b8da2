import { isIP } from "node:net";
import type { NodeConfig } from "./node-config.js";

/** Whether a listen host is reachable only from this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h);
  return false;
}

/**
 * One sentence per interface that a node on a non-loopback host answers without authenticating
 * its peer, naming the setting that fixes it. Such checks are answered but never feed clone
 * detection or tracing; on loopback only this machine can ask, so nothing is said.
 */
export function unauthenticatedInterfaceWarnings(
  config: Pick<
    NodeConfig,
    "host" | "oauth2" | "s13Port" | "diameterPeers" | "rlmRestTokenFile" | "radiusClients"
  >,
): string[] {
  if (isLoopbackHost(config.host)) return [];
  const warnings: string[] = [];
  const on = `on ${config.host}`;
  if (!config.oauth2) {
    warnings.push(
      `N5g-eir answers any client ${on} without authentication, so its checks never feed clone detection or tracing: set "oauth2": true with "oauth2PublicKeyFile" to require NRF-issued tokens.`,
    );
  }
  if (config.s13Port >= 0 && config.diameterPeers.length === 0) {
    warnings.push(
      `S13 answers any Diameter peer ${on} without authentication, so its checks never feed clone detection or tracing: list the MMEs and SGSNs in "diameterPeers" to refuse the others.`,
    );
  }
  if (config.rlmRestTokenFile === null) {
    warnings.push(
      `rlm_rest (/radius/v1/authorize) answers any client ${on} without authentication, so its checks never feed clone detection or tracing: set "rlmRestTokenFile" and give FreeRADIUS the token (devicechain radius freeradius-config --token-file).`,
    );
  }
  for (const c of config.radiusClients) {
    if (c.requireMessageAuthenticator === false) {
      warnings.push(
        `RADIUS client ${c.name ?? c.address} may send Access-Requests without a Message-Authenticator, and those checks never feed clone detection or tracing: remove "requireMessageAuthenticator": false once the NAS sends one.`,
      );
    }
  }
  return warnings;
}
