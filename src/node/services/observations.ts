import path from "node:path";
import type { Logger } from "pino";
import type { Signer } from "../../core/crypto/ed25519.js";
import type { TxEngine } from "../../ledger/engine/tx-engine.js";
import type { ObservationSink } from "../../servers/check-observation.js";
import type { NodeMetrics } from "../../servers/metrics/node-metrics.js";
import { OBSERVATIONS_DIR } from "../data-dir.js";
import type { NodeConfig } from "../node-config.js";
import { startCloneDetection } from "../observations/clone-detector.js";
import { ObservationLog } from "../observations/observation-log.js";
import { observationCounter } from "../observations/observation-metrics.js";
import { startTracingAlerts } from "../observations/tracing-alerts.js";
import type { PushService } from "../push/push-service.js";
import type { Service } from "./service.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The node-local observation log in DIR/observations, with the rules that read it: tracing
 * alerts to the reporters' webhooks, and clone detection (reported on the ledger with the
 * operator key, when one is configured). Its value is where every check's observation goes (the
 * one EquipmentCheck hands them here); `onCheck` sees each one too, once it is recorded.
 */
export async function startObservations(
  config: NodeConfig,
  engine: TxEngine,
  push: PushService,
  cloneReportSigner: Signer | undefined,
  metrics: NodeMetrics,
  logger: Logger,
  onCheck?: ObservationSink,
): Promise<Service<ObservationSink>> {
  const observations = new ObservationLog({
    dir: path.join(config.dataDir, OBSERVATIONS_DIR),
    retentionMs: config.observationRetentionDays * DAY_MS,
    recentWindowMs: 6 * HOUR_MS,
  });
  startTracingAlerts(observations, engine.app.store, push);
  startCloneDetection({
    log: observations,
    engine,
    signer: cloneReportSigner,
    evidenceDir: path.join(config.dataDir, OBSERVATIONS_DIR, "evidence"),
    logger: logger.child({ component: "clones" }),
  });
  const observed = observationCounter(metrics.registry);
  // Every check is counted and logged; the log lets only authenticated ones reach the rules.
  const observe: ObservationSink = (check) => {
    observed(check.protocol, check.authenticated);
    observations.record(check);
    try {
      onCheck?.(check);
    } catch (err) {
      logger.warn({ err }, "onCheck hook failed");
    }
  };
  return {
    name: "observations",
    value: observe,
    stop: () => observations.close(),
  };
}
