import type { Logger } from "pino";
import { makeError } from "../../core/errors/devicechain-error.js";
import { connectionMetrics, connectionPolicyOf } from "../../servers/connection-policy.js";
import type { EquipmentCheck } from "../../servers/equipment-check.js";
import type { NodeMetrics } from "../../servers/metrics/node-metrics.js";
import { DiameterPeerList } from "../../servers/s13/diameter-peers.js";
import { S13Server } from "../../servers/s13/s13-server.js";
import type { NodeConfig } from "../node-config.js";
import { NODE_VERSION } from "../version.js";
import type { Service } from "./service.js";

/** The S13 Diameter EIR on config.host:config.s13Port; off (undefined) when the port is -1. */
export async function startS13(
  config: NodeConfig,
  check: EquipmentCheck,
  metrics: NodeMetrics,
  logger: Logger,
): Promise<Service<{ port: number }> | undefined> {
  if (config.s13Port < 0) return undefined;
  const s13 = new S13Server({
    check,
    originHost: config.diameterHost,
    originRealm: config.diameterRealm,
    productName: "devicechain",
    firmwareRevision: firmwareRevision(NODE_VERSION),
    peers: new DiameterPeerList(config.diameterPeers),
    unlistedPeers: config.diameterUnlistedPeers,
    connections: connectionPolicyOf(config),
    connectionMetrics: connectionMetrics(metrics.registry),
  });
  let port: number;
  try {
    port = await s13.listen(config.host, config.s13Port);
  } catch (cause) {
    throw makeError(
      "NODE_LISTEN_FAILED",
      `Cannot listen for S13 on ${config.host}:${config.s13Port}`,
      { cause },
    );
  }
  logger.info(
    { s13: `${config.host}:${port}` },
    `S13 Diameter EIR listening on ${config.host}:${port}`,
  );
  return { name: "S13", value: { port }, stop: () => s13.close() };
}

/** Firmware-Revision (RFC 6733 §5.3.4) from a semantic version: 1.2.3 → 10203. */
function firmwareRevision(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version
    .split(".")
    .map((n) => Number.parseInt(n, 10) || 0);
  return major * 10_000 + minor * 100 + patch;
}
