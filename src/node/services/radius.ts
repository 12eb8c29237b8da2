import type { Logger } from "pino";
import { makeError } from "../../core/errors/devicechain-error.js";
import { readDevice } from "../../core/state/device.js";
import type { LedgerApp } from "../../ledger/application.js";
import type { EquipmentCheck } from "../../servers/equipment-check.js";
import type { NodeMetrics } from "../../servers/metrics/node-metrics.js";
import { radiusMetrics } from "../../servers/radius/radius-metrics.js";
import { type RadiusPorts, RadiusServer } from "../../servers/radius/radius-server.js";
import type { NodeConfig } from "../node-config.js";
import type { Service } from "./service.js";

/** The built-in RADIUS server once it listens, and its ports. */
export interface RadiusService extends RadiusPorts {
  readonly server: RadiusServer;
}

/**
 * The built-in RADIUS server, if it has clients and a port: without a client there is no
 * shared secret, so no NAS could use it. A port that cannot be bound is a coded error.
 */
export async function startRadius(
  config: NodeConfig,
  app: LedgerApp,
  metrics: NodeMetrics,
  check: EquipmentCheck,
  logger: Logger,
): Promise<Service<RadiusService> | undefined> {
  if (config.radiusClients.length === 0) {
    if (config.radiusAuthPort >= 0 || config.radiusAcctPort >= 0) {
      logger.info("built-in RADIUS off: no radiusClients in config.json");
    }
    return undefined;
  }
  if (config.radiusAuthPort < 0 && config.radiusAcctPort < 0) return undefined;
  const server = new RadiusServer({
    check,
    identifierKeysOf: (id) => readDevice(app.store, id)?.ids ?? [id],
    subscribe: (listener) => {
      app.on("commit", listener);
      return () => app.off("commit", listener);
    },
    clients: config.radiusClients,
    coaPort: config.radiusCoaPort,
    maxSessions: config.radiusMaxSessions,
    metrics: radiusMetrics(metrics.registry),
    logger: logger.child({ component: "radius" }),
  });
  let ports: RadiusPorts;
  try {
    ports = await server.listen(config.host, config.radiusAuthPort, config.radiusAcctPort);
  } catch (cause) {
    const hint =
      (cause as { code?: string }).code === "EADDRINUSE"
        ? ": the port is in use; choose others with radiusAuthPort and radiusAcctPort"
        : "";
    throw makeError(
      "NODE_LISTEN_FAILED",
      `Cannot listen for RADIUS on ${config.host} ports ${config.radiusAuthPort}/${config.radiusAcctPort}${hint}`,
      { cause },
    );
  }
  logger.info(
    { ...ports, clients: config.radiusClients.length },
    `RADIUS listening on ${config.host}: auth ${ports.authPort ?? "off"}, accounting ${ports.acctPort ?? "off"}`,
  );
  return { name: "RADIUS", value: { server, ...ports }, stop: () => server.close() };
}
