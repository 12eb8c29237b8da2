import { AccessStore } from "../access-store/access-store.js";
import type { NodeConfig } from "../node-config.js";
import type { Service } from "./service.js";

/**
 * Paid access's store (DIR/access: API keys, metering, monthly counters), opened before the HTTP
 * API that meters into it and closed after it stops. The CLI opens the same store while the node
 * runs (`devicechain access key create|revoke`).
 */
export async function startAccess(config: NodeConfig): Promise<Service<AccessStore>> {
  const store = AccessStore.open(config.dataDir);
  return { name: "access store", value: store, stop: () => store.close() };
}
