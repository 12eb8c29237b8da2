import path from "node:path";
import type { Logger } from "pino";
import type { Signer } from "../../core/crypto/ed25519.js";
import type { LedgerApp } from "../../ledger/application.js";
import type { NodeMetrics } from "../../servers/metrics/node-metrics.js";
import { PUSH_DIR } from "../data-dir.js";
import type { NodeConfig } from "../node-config.js";
import { pushMetrics } from "../push/push-metrics.js";
import { DEFAULT_WATCH_BOUNDS, PushService } from "../push/push-service.js";
import type { Service } from "./service.js";

const HOUR_MS = 3_600_000;

/** Webhook deliveries of committed changes and alerts, queued in DIR/push, signed with the node key. */
export async function startPush(
  config: NodeConfig,
  app: LedgerApp,
  signer: Signer,
  metrics: NodeMetrics,
  logger: Logger,
  /** The clock deliveries and watch expiry follow (tests move it); Date.now by default. */
  now?: () => number,
): Promise<Service<PushService>> {
  // The gauges read the queue when /metrics is scraped, by which time `push` exists.
  const counters = pushMetrics(metrics.registry, () => push.queueStats());
  const push = new PushService({
    path: path.join(config.dataDir, PUSH_DIR),
    app,
    signer,
    logger: logger.child({ component: "push" }),
    retentionMs: config.webhookRetentionHours * HOUR_MS,
    backoffMinMs: config.webhookRetryMinMs,
    backoffMaxMs: 5 * 60_000,
    requestTimeoutMs: 10_000,
    maxPerAccount: config.webhookMaxPerAccount,
    maxUndelivered: config.webhookMaxUndelivered,
    allowedHosts: config.webhookAllowedHosts,
    metrics: counters,
    watches: {
      maxPerOwner: config.watchMaxPerOwner,
      maxTotal: config.watchMaxTotal,
      backlog: DEFAULT_WATCH_BOUNDS.backlog,
    },
    ...(now ? { now } : {}),
  });
  return { name: "push", value: push, stop: () => push.close() };
}
