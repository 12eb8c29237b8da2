import type { Logger } from "pino";
import { eirProfile, NrfRegistration } from "../../servers/nrf/nrf-registration.js";
import type { NodeConfig } from "../node-config.js";
import { NODE_VERSION } from "../version.js";
import type { Service } from "./service.js";

/**
 * Register with the NRF as a 5G_EIR whose SBI answers at `sbiUrl`, and keep the heartbeat going
 * in the background; stopping deregisters. Off (undefined) without nrfUri.
 */
export async function startNrf(
  config: NodeConfig,
  nfInstanceId: string,
  sbiUrl: string,
  logger: Logger,
): Promise<Service<NrfRegistration> | undefined> {
  if (config.nrfUri === null) return undefined;
  const port = new URL(sbiUrl).port;
  const nrf = new NrfRegistration({
    nrfUri: config.nrfUri,
    profile: eirProfile({
      nfInstanceId,
      sbiHost: config.sbiAdvertiseHost ?? config.host,
      sbiPort: port === "" ? 80 : Number(port),
      heartbeatSeconds: config.nrfHeartbeatSeconds,
      oauth2Required: config.oauth2,
      nodeVersion: NODE_VERSION,
    }),
    logger: logger.child({ component: "nrf" }),
  });
  nrf.start();
  return { name: "NRF registration", value: nrf, stop: () => nrf.stop() };
}
