import { Counter, Gauge, type Registry } from "prom-client";

/** What the webhook queue holds right now, read when /metrics is scraped. */
export interface PushQueueStats {
  readonly subscriptions: number;
  /** Deliveries queued and not yet acknowledged by their receiver. */
  readonly undelivered: number;
  /** When the oldest of them was queued (ms since the epoch); undefined when there is none. */
  readonly oldestQueuedAt: number | undefined;
}

/** The webhook counters the push service updates. */
export interface PushMetrics {
  /** Events queued for a subscription, by event type. */
  readonly queued: Counter<"type">;
  /**
   * Delivery attempts by result: delivered (a 2xx answer), failed (anything else), or refused
   * (the host now resolves to an address webhooks may not reach; nothing was sent).
   */
  readonly attempts: Counter<"result">;
  /** Attempts after a failed one. */
  readonly retries: Counter;
  /**
   * Deliveries given up undelivered: expired (retention passed), unsubscribed, or overflow (the
   * oldest of a webhook's queue, dropped when a new one found it full).
   */
  readonly dropped: Counter<"reason">;
}

/**
 * Register the push metrics in the node's registry. The gauges read `stats` at scrape time, so
 * they are right after a restart too, when the queue comes back from LMDB.
 */
export function pushMetrics(
  registry: Registry,
  stats: () => PushQueueStats,
  now: () => number = Date.now,
): PushMetrics {
  new Gauge({
    name: "devicechain_push_subscriptions",
    help: "Webhook subscriptions on this node.",
    registers: [registry],
    collect() {
      this.set(stats().subscriptions);
    },
  });
  new Gauge({
    name: "devicechain_push_undelivered",
    help: "Webhook deliveries queued and not yet acknowledged (the retry queue's depth).",
    registers: [registry],
    collect() {
      this.set(stats().undelivered);
    },
  });
  new Gauge({
    name: "devicechain_push_oldest_undelivered_seconds",
    help: "Age of the oldest undelivered webhook delivery; 0 when the queue is empty.",
    registers: [registry],
    collect() {
      const oldest = stats().oldestQueuedAt;
      this.set(oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });
  return {
    queued: new Counter({
      name: "devicechain_push_queued_total",
      help: "Webhook deliveries queued, by event type.",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    attempts: new Counter({
      name: "devicechain_push_attempts_total",
      help: "Webhook delivery attempts by result: delivered (2xx), failed, or refused (the host resolves to an address webhooks may not reach).",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: "devicechain_push_retries_total",
      help: "Webhook delivery attempts that retry a failed one.",
      registers: [registry],
    }),
    dropped: new Counter({
      name: "devicechain_push_dropped_total",
      help: "Webhook deliveries given up undelivered: expired after the retention, unsubscribed, or overflow (the oldest of a full per-webhook queue).",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
  };
}
