import { findDevice } from "../../core/state/device.js";
import type { StateReader } from "../../core/state/state.js";
import type { PushService } from "../push/push-service.js";
import type { Observation, ObservationLog } from "./observation-log.js";

/** One alert per device, network and subscriber in this period, however often it is checked. */
const QUIET_MS = 10 * 60_000;

/**
 * "The stolen phone is back on a network": when a device reported lost or stolen is checked, tell
 * each party that reported it where and when, with the subscriber only as this node's salted
 * hash. Alerts go to that party's webhooks (type tracing.alert).
 */
export function startTracingAlerts(
  log: ObservationLog,
  state: StateReader,
  push: PushService,
): void {
  const lastSent = new Map<string, number>();
  log.onAuthenticatedObservation((o: Observation) => {
    // A clean device needs no ledger read: only reported devices answer other than WHITELISTED.
    if (o.answer === "WHITELISTED" || o.answer === "UNKNOWN") return;
    const device = findDevice(state, o.identifier);
    const reports = device?.marks ?? [];
    if (!device || reports.length === 0) return;
    const quietKey = `${device.id}\n${o.network}\n${o.subscriberHash}`;
    const last = lastSent.get(quietKey);
    if (last !== undefined && o.time - last < QUIET_MS) return;
    lastSent.set(quietKey, o.time);
    if (lastSent.size > 100_000) lastSent.clear();
    const alert = {
      type: "tracing.alert",
      id: `trace:${device.id}:${o.network}:${o.subscriberHash}:${o.time}`,
      device: device.id,
      ids: device.ids,
      seenAt: o.time,
      network: o.network,
      protocol: o.protocol,
      subscriberHash: o.subscriberHash,
      answer: o.answer,
      reports: reports.map((m) => ({
        kind: m.kind,
        reference: m.reference ?? null,
        height: m.height,
      })),
    };
    for (const by of new Set(reports.map((m) => m.by))) push.publishTo(by, alert);
  });
}
