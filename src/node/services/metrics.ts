import type { LedgerApp } from "../../ledger/application.js";
import { createNodeMetrics, type NodeMetrics } from "../../servers/metrics/node-metrics.js";
import type { Service } from "./service.js";

/** The node's Prometheus registry, following the ledger; `pending` is read when it is scraped. */
export async function startMetrics(
  app: LedgerApp,
  pending: () => number,
): Promise<Service<NodeMetrics>> {
  const metrics = createNodeMetrics(app, pending);
  return { name: "metrics", value: metrics, stop: () => metrics.detach() };
}
