import { createHash } from "node:crypto";
import { type Database, open, type RootDatabase } from "lmdb";
import type { Logger } from "pino";
import type { Signer } from "../../core/crypto/ed25519.js";
import type { CommittedBlock, LedgerApp } from "../../ledger/application.js";
import {
  type DeviceChangedEvent,
  deviceChangedEvents,
  matchesFilter,
} from "../../servers/events/device-events.js";
import type {
  Subscription,
  SubscriptionView,
  WebhookRegistry,
} from "../../servers/push/webhook-registry.js";
import { DELIVERY_HEADERS, signDelivery } from "./delivery-signature.js";
import type { PushMetrics, PushQueueStats } from "./push-metrics.js";

/** Anything delivered: a device.changed event, or an alert addressed to one account. */
export type PushEvent =
  | DeviceChangedEvent
  | (Readonly<Record<string, unknown>> & {
      readonly type: string;
      readonly id: string;
    });

interface Delivery {
  readonly id: string;
  readonly subscription: string;
  readonly event: PushEvent;
  readonly createdAt: number;
  attempts: number;
  nextAt: number;
}

export interface PushOptions {
  /** LMDB folder for subscriptions and undelivered events. */
  readonly path: string;
  readonly app: LedgerApp;
  /** The node key that signs "ed25519" deliveries. */
  readonly signer: Signer;
  readonly logger: Logger;
  /** How long an undelivered event is kept and retried. */
  readonly retentionMs: number;
  /** First and longest wait between attempts; the wait doubles each time. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly requestTimeoutMs: number;
  readonly now?: () => number;
  readonly metrics?: PushMetrics;
}

const MAX_IN_FLIGHT = 16;

/**
 * Webhook deliveries: every committed device change, and alerts, to the subscriptions that match.
 * Deliveries are queued in LMDB before any attempt, so a restart resumes them; each has an id that
 * is the same on every attempt (and every node), for receivers to deduplicate.
 */
export class PushService implements WebhookRegistry {
  private readonly root: RootDatabase;
  private readonly subscriptions: Database<string, string>;
  private readonly queue: Database<string, string>;
  private readonly subs = new Map<string, Subscription>();
  private readonly pending = new Map<string, Delivery>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly onCommit = (c: CommittedBlock): void => this.publishBlock(c);

  constructor(private readonly opts: PushOptions) {
    this.now = opts.now ?? Date.now;
    this.root = open({ path: opts.path, compression: false });
    this.subscriptions = this.root.openDB({ name: "subscriptions", encoding: "string" });
    this.queue = this.root.openDB({ name: "deliveries", encoding: "string" });
    for (const { value } of this.subscriptions.getRange()) {
      const s = JSON.parse(value) as Subscription;
      this.subs.set(s.id, s);
    }
    for (const { value } of this.queue.getRange()) {
      const d = JSON.parse(value) as Delivery;
      this.pending.set(d.id, d);
    }
    opts.app.on("commit", this.onCommit);
    this.wake(0);
  }

  get nodeKeyId(): string {
    return this.opts.signer.keyId;
  }

  /** Register a webhook; the same request twice gives the same subscription. */
  subscribe(s: Omit<Subscription, "id" | "createdAt">): Subscription {
    const id = sha256Hex(JSON.stringify([s.account, s.url, s.filter, s.types, s.signing]));
    const existing = this.subs.get(id);
    if (existing) return existing;
    const sub: Subscription = { ...s, id, createdAt: this.now() };
    this.subscriptions.putSync(id, JSON.stringify(sub));
    this.subs.set(id, sub);
    return sub;
  }

  /** Remove one of an account's webhooks; false if it has none with that id. */
  unsubscribe(id: string, account: string): boolean {
    const sub = this.subs.get(id);
    if (!sub || sub.account !== account) return false;
    this.subs.delete(id);
    this.subscriptions.removeSync(id);
    for (const d of this.pending.values()) {
      if (d.subscription === id) this.drop(d, "unsubscribed");
    }
    return true;
  }

  /** An account's webhooks, oldest first, each with its undelivered deliveries. */
  list(account: string): SubscriptionView[] {
    const views = new Map<string, { sub: Subscription; undelivered: number; next: number }>();
    for (const sub of this.subs.values()) {
      if (sub.account === account) {
        views.set(sub.id, { sub, undelivered: 0, next: Number.POSITIVE_INFINITY });
      }
    }
    for (const d of this.pending.values()) {
      const v = views.get(d.subscription);
      if (!v) continue;
      v.undelivered += 1;
      v.next = Math.min(v.next, d.nextAt);
    }
    return [...views.values()]
      .sort((a, b) => a.sub.createdAt - b.sub.createdAt || a.sub.id.localeCompare(b.sub.id))
      .map(({ sub, undelivered, next }) => ({
        id: sub.id,
        url: sub.url,
        types: sub.types,
        filter: sub.filter,
        signing: sub.signing,
        createdAt: sub.createdAt,
        undelivered,
        nextAttemptAt: undelivered === 0 ? null : next,
      }));
  }

  /** The queue's state, for the metrics. */
  queueStats(): PushQueueStats {
    let oldest: number | undefined;
    for (const d of this.pending.values()) {
      if (oldest === undefined || d.createdAt < oldest) oldest = d.createdAt;
    }
    return {
      subscriptions: this.subs.size,
      undelivered: this.pending.size,
      oldestQueuedAt: oldest,
    };
  }

  /** Queue an event addressed to one account, e.g. a tracing alert to the party that reported. */
  publishTo(account: string, event: PushEvent): void {
    for (const sub of this.subs.values()) {
      if (sub.account === account && sub.types.includes(event.type)) this.enqueue(sub, event);
    }
    this.wake(0);
  }

  private publishBlock(committed: CommittedBlock): void {
    if (this.subs.size === 0) return;
    const events = deviceChangedEvents(committed, this.opts.app.store);
    for (const e of events) {
      for (const sub of this.subs.values()) {
        if (sub.types.includes(e.type) && matchesFilter(sub.filter, e)) this.enqueue(sub, e);
      }
    }
    this.wake(0);
  }

  private enqueue(sub: Subscription, event: PushEvent): void {
    const id = sha256Hex(`${sub.id}\n${event.id}`).slice(0, 32);
    if (this.pending.has(id)) return;
    const now = this.now();
    const d: Delivery = {
      id,
      subscription: sub.id,
      event,
      createdAt: now,
      attempts: 0,
      nextAt: now,
    };
    this.pending.set(id, d);
    this.queue.put(id, JSON.stringify(d));
    this.opts.metrics?.queued.inc({ type: event.type });
  }

  /** Run the pump after `ms`, or sooner if it is already due sooner. */
  private wake(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), ms);
    this.timer.unref();
  }

  private pump(): void {
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.pending.values()) {
      if (this.inFlight.has(d.id)) continue;
      if (now - d.createdAt > this.opts.retentionMs) {
        this.opts.logger.warn(
          { delivery: d.id, attempts: d.attempts },
          "webhook event expired undelivered",
        );
        this.drop(d, "expired");
        continue;
      }
      if (d.nextAt > now) {
        next = Math.min(next, d.nextAt);
        continue;
      }
      if (this.inFlight.size >= MAX_IN_FLIGHT) {
        next = now + 10;
        break;
      }
      void this.attempt(d);
    }
    if (next !== Number.POSITIVE_INFINITY) this.wake(Math.max(0, next - now));
  }

  private async attempt(d: Delivery): Promise<void> {
    const sub = this.subs.get(d.subscription);
    if (!sub) {
      this.drop(d, "unsubscribed");
      return;
    }
    this.inFlight.add(d.id);
    const body = JSON.stringify(d.event);
    const timestamp = this.now();
    const key = sub.signing === "ed25519" ? this.opts.signer : (sub.secret ?? "");
    let ok = false;
    let detail = "";
    try {
      const res = await fetch(sub.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [DELIVERY_HEADERS.id]: d.id,
          [DELIVERY_HEADERS.timestamp]: String(timestamp),
          [DELIVERY_HEADERS.signature]: signDelivery(sub.signing, key, d.id, timestamp, body),
        },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      ok = res.status >= 200 && res.status < 300;
      detail = `HTTP ${res.status}`;
    } catch (e) {
      detail = (e as Error).message;
    }
    this.inFlight.delete(d.id);
    this.opts.metrics?.attempts.inc({ result: ok ? "delivered" : "failed" });
    if (d.attempts > 0) this.opts.metrics?.retries.inc();
    if (!this.pending.has(d.id)) return;
    if (ok) {
      this.drop(d);
    } else {
      d.attempts += 1;
      const wait = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * 2 ** (d.attempts - 1));
      d.nextAt = this.now() + wait;
      this.queue.put(d.id, JSON.stringify(d));
      this.opts.logger.debug(
        { delivery: d.id, attempts: d.attempts, wait, detail },
        "webhook delivery failed",
      );
    }
    this.wake(0);
  }

  /** Forget a delivery: delivered, or given up for a reason (counted). */
  private drop(d: Delivery, reason?: "expired" | "unsubscribed"): void {
    if (!this.pending.delete(d.id)) return;
    this.queue.remove(d.id);
    if (reason) this.opts.metrics?.dropped.inc({ reason });
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.opts.app.off("commit", this.onCommit);
    await this.root.close();
  }
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}
