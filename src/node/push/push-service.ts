import { createHash, randomBytes } from "node:crypto";
import { type Database, open, type RootDatabase } from "lmdb";
import type { Logger } from "pino";
import type { Signer } from "../../core/crypto/ed25519.js";
import { isError, makeError } from "../../core/errors/devicechain-error.js";
import type { CommittedBlock, LedgerApp } from "../../ledger/application.js";
import type { DeviceChangedEvent } from "../../ledger/read/device-events.js";
import { matchesFilter } from "../../servers/events/event-filter.js";
import type {
  Subscription,
  SubscriptionView,
  WebhookRegistry,
} from "../../servers/push/webhook-registry.js";
import type {
  NewWatch,
  Watch,
  WatchEvent,
  WatchRegistry,
  WatchWebhook,
} from "../../servers/watch/watch-registry.js";
import { DELIVERY_HEADERS, signDelivery } from "./delivery-signature.js";
import type { PushMetrics, PushQueueStats } from "./push-metrics.js";
import { WatchBook, type WatchBounds } from "./watch-book.js";
import { postDelivery } from "./webhook-request.js";
import { checkTarget, normaliseHost, type Resolve } from "./webhook-target.js";

/** Anything delivered: a device.changed event, a watch's event, or an alert to one account. */
export type PushEvent =
  | DeviceChangedEvent
  | WatchEvent
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
  /** At most this many webhooks per account. */
  readonly maxPerAccount: number;
  /** At most this many undelivered deliveries per webhook; a new one drops the oldest. */
  readonly maxUndelivered: number;
  /** Hosts a webhook may reach even on a loopback, private or reserved address. */
  readonly allowedHosts: readonly string[];
  /** How host names are resolved (the system resolver by default). */
  readonly resolve?: Resolve;
  readonly now?: () => number;
  readonly metrics?: PushMetrics;
  /** Bounds on watches; DEFAULT_WATCH_BOUNDS by default. */
  readonly watches?: WatchBounds;
}

const MAX_IN_FLIGHT = 16;
const DAY_MS = 86_400_000;
/** How often expired watches are purged (deliveries and events are also checked as they go). */
const PURGE_EVERY_MS = 60_000;

export const DEFAULT_WATCH_BOUNDS: WatchBounds = {
  maxPerOwner: 100,
  maxTotal: 10_000,
  backlog: 32,
};

interface Follower {
  readonly onEvent: (e: WatchEvent) => void;
  readonly onEnd: () => void;
}

/**
 * Webhook deliveries: every committed device change, and alerts, to the subscriptions that match,
 * and each change of a watched device to its watches (a webhook, or followers of its stream).
 * Deliveries are queued in LMDB before any attempt, so a restart resumes them; each has an id that
 * is the same on every attempt (and every node), for receivers to deduplicate. A watch's webhook
 * shares the queue, retries, signatures and address rules of every other webhook.
 */
export class PushService implements WebhookRegistry, WatchRegistry {
  private readonly root: RootDatabase;
  private readonly subscriptions: Database<string, string>;
  private readonly queue: Database<string, string>;
  private readonly subs = new Map<string, Subscription>();
  private readonly pending = new Map<string, Delivery>();
  /** The same deliveries by webhook, each oldest first: what the per-webhook bound drops. */
  private readonly bySubscription = new Map<string, Map<string, Delivery>>();
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly book: WatchBook;
  private readonly followers = new Map<string, Set<Follower>>();
  private readonly purgeTimer: NodeJS.Timeout;
  private stopped = false;
  private readonly now: () => number;
  private readonly onCommit = (c: CommittedBlock): void => this.publishBlock(c);

  constructor(private readonly opts: PushOptions) {
    this.now = opts.now ?? Date.now;
    this.allowedHosts = new Set(
      opts.allowedHosts.map((h) => normaliseHost(h)).filter((h) => h !== undefined),
    );
    this.root = open({ path: opts.path, compression: false });
    this.subscriptions = this.root.openDB({ name: "subscriptions", encoding: "string" });
    this.queue = this.root.openDB({ name: "deliveries", encoding: "string" });
    for (const { value } of this.subscriptions.getRange()) {
      const s = JSON.parse(value) as Subscription;
      this.subs.set(s.id, s);
    }
    const queued = [...this.queue.getRange()].map(({ value }) => JSON.parse(value) as Delivery);
    queued.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    for (const d of queued) this.track(d);
    this.book = new WatchBook(this.root, opts.watches ?? DEFAULT_WATCH_BOUNDS);
    this.purgeExpired();
    this.purgeTimer = setInterval(() => this.purgeExpired(), PURGE_EVERY_MS);
    this.purgeTimer.unref();
    opts.app.on("commit", this.onCommit);
    this.wake(0);
  }

  get nodeKeyId(): string {
    return this.opts.signer.keyId;
  }

  /**
   * Register a webhook; the same request twice gives the same subscription. Refused with
   * WEBHOOK_LIMIT past maxPerAccount, and WEBHOOK_TARGET_FORBIDDEN (or _UNRESOLVED) for a URL
   * whose host is, or resolves to, an address that is not public, unless it is allow-listed.
   */
  async subscribe(s: Omit<Subscription, "id" | "createdAt">): Promise<Subscription> {
    const id = sha256Hex(JSON.stringify([s.account, s.url, s.filter, s.types, s.signing]));
    const existing = this.subs.get(id);
    if (existing) return existing;
    this.assertRoomFor(s.account);
    await checkTarget(new URL(s.url), this.allowedHosts, this.opts.resolve);
    // Another request for the same webhook, or the account's last free place, may have been
    // taken while the name resolved.
    const raced = this.subs.get(id);
    if (raced) return raced;
    this.assertRoomFor(s.account);
    const sub: Subscription = { ...s, id, createdAt: this.now() };
    this.subscriptions.putSync(id, JSON.stringify(sub));
    this.subs.set(id, sub);
    return sub;
  }

  private assertRoomFor(account: string): void {
    let count = 0;
    for (const sub of this.subs.values()) if (sub.account === account) count += 1;
    if (count >= this.opts.maxPerAccount) {
      throw makeError(
        "WEBHOOK_LIMIT",
        `An account has at most ${this.opts.maxPerAccount} webhooks`,
      );
    }
  }

  /** Remove one of an account's webhooks; false if it has none with that id. */
  unsubscribe(id: string, account: string): boolean {
    const sub = this.subs.get(id);
    if (!sub || sub.account !== account) return false;
    this.subs.delete(id);
    this.subscriptions.removeSync(id);
    for (const d of [...(this.bySubscription.get(id)?.values() ?? [])]) {
      this.drop(d, "unsubscribed");
    }
    return true;
  }

  /** An account's webhooks, oldest first, each with its undelivered deliveries. */
  list(account: string): SubscriptionView[] {
    const views: { sub: Subscription; undelivered: number; next: number }[] = [];
    for (const sub of this.subs.values()) {
      if (sub.account !== account) continue;
      const queued = this.bySubscription.get(sub.id);
      let next = Number.POSITIVE_INFINITY;
      for (const d of queued?.values() ?? []) next = Math.min(next, d.nextAt);
      views.push({ sub, undelivered: queued?.size ?? 0, next });
    }
    return views
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
    if (this.subs.size === 0 && this.book.size === 0) return;
    const events = this.opts.app.reads.deviceChangedEvents(committed);
    const now = this.now();
    for (const e of events) {
      for (const sub of this.subs.values()) {
        if (sub.types.includes(e.type) && matchesFilter(sub.filter, e)) this.enqueue(sub, e);
      }
      for (const w of this.book.matching(e.ids)) {
        if (w.expiresAt <= now) continue;
        const event = watchEvent(w.id, e);
        if (w.webhook) {
          this.enqueue(w, event);
        } else {
          this.book.keep(event);
        }
        for (const f of this.followers.get(w.id) ?? []) f.onEvent(event);
      }
    }
    this.wake(0);
  }

  private enqueue(sub: { readonly id: string }, event: PushEvent): void {
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
    // A receiver that never answers holds at most maxUndelivered: the oldest make room.
    const queued = this.bySubscription.get(sub.id);
    while (queued !== undefined && queued.size >= this.opts.maxUndelivered) {
      const oldest = queued.values().next().value as Delivery;
      this.drop(oldest, "overflow");
    }
    this.track(d);
    this.queue.put(id, JSON.stringify(d));
    this.opts.metrics?.queued.inc({ type: event.type });
  }

  private track(d: Delivery): void {
    this.pending.set(d.id, d);
    let queued = this.bySubscription.get(d.subscription);
    if (!queued) {
      queued = new Map();
      this.bySubscription.set(d.subscription, queued);
    }
    queued.set(d.id, d);
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

  /** Where a delivery goes: its webhook, or its watch's webhook while the watch has not expired. */
  private targetOf(d: Delivery): Subscription | WatchWebhook | "expired" | undefined {
    const sub = this.subs.get(d.subscription);
    if (sub) return sub;
    const w = this.book.get(d.subscription);
    if (!w?.webhook) return undefined;
    return w.expiresAt <= this.now() ? "expired" : w.webhook;
  }

  private async attempt(d: Delivery): Promise<void> {
    const sub = this.targetOf(d);
    if (sub === undefined || sub === "expired") {
      this.drop(d, sub === undefined ? "unsubscribed" : "expired");
      return;
    }
    this.inFlight.add(d.id);
    const body = JSON.stringify(d.event);
    const timestamp = this.now();
    const key = sub.signing === "ed25519" ? this.opts.signer : (sub.secret ?? "");
    let result: "delivered" | "failed" | "refused" = "failed";
    let detail = "";
    try {
      // Checked again at every attempt, and the connection goes to the address checked: a name
      // that resolved to a public address at subscription may resolve to a private one now.
      const target = await checkTarget(new URL(sub.url), this.allowedHosts, this.opts.resolve);
      const headers = {
        "content-type": "application/json",
        [DELIVERY_HEADERS.id]: d.id,
        [DELIVERY_HEADERS.timestamp]: String(timestamp),
        [DELIVERY_HEADERS.signature]: signDelivery(sub.signing, key, d.id, timestamp, body),
      };
      const status = await postDelivery(target, headers, body, this.opts.requestTimeoutMs);
      if (status >= 200 && status < 300) result = "delivered";
      detail = `HTTP ${status}`;
    } catch (e) {
      if (isError(e, "WEBHOOK_TARGET_FORBIDDEN")) result = "refused";
      detail = (e as Error).message;
    }
    const ok = result === "delivered";
    this.inFlight.delete(d.id);
    this.opts.metrics?.attempts.inc({ result });
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
  private drop(d: Delivery, reason?: "expired" | "unsubscribed" | "overflow"): void {
    if (!this.pending.delete(d.id)) return;
    const queued = this.bySubscription.get(d.subscription);
    queued?.delete(d.id);
    if (queued?.size === 0) this.bySubscription.delete(d.subscription);
    this.queue.remove(d.id);
    if (reason) this.opts.metrics?.dropped.inc({ reason });
  }

  async createWatch(w: NewWatch): Promise<Watch> {
    // Expired watches hold no place, even before the next sweep.
    this.purgeExpired();
    this.book.assertRoomFor(w.owner);
    if (w.webhook) {
      await checkTarget(new URL(w.webhook.url), this.allowedHosts, this.opts.resolve);
      // The owner's last free place may have been taken while the name resolved.
      this.book.assertRoomFor(w.owner);
    }
    const createdAt = this.now();
    const watch: Watch = {
      id: `w_${randomBytes(16).toString("hex")}`,
      owner: w.owner,
      devices: w.devices,
      createdAt,
      expiresAt: createdAt + w.days * DAY_MS,
      ...(w.webhook ? { webhook: w.webhook } : {}),
    };
    this.book.add(watch);
    return watch;
  }

  watches(owner: string): Watch[] {
    const now = this.now();
    return [...this.book.all()]
      .filter((w) => w.owner === owner && w.expiresAt > now)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  watch(id: string, owner: string): Watch | undefined {
    const w = this.book.get(id);
    return w && w.owner === owner && w.expiresAt > this.now() ? w : undefined;
  }

  removeWatch(id: string, owner: string): boolean {
    if (this.book.get(id)?.owner !== owner) return false;
    this.forgetWatch(id, "unsubscribed");
    return true;
  }

  followWatch(
    id: string,
    lastEventId: string | undefined,
    onEvent: (e: WatchEvent) => void,
    onEnd: () => void,
  ): () => void {
    // Replayed and followed in one turn: no commit can fall between the two.
    for (const e of this.book.keptSince(id, lastEventId)) onEvent(e);
    const f: Follower = { onEvent, onEnd };
    let set = this.followers.get(id);
    if (!set) {
      set = new Set();
      this.followers.set(id, set);
    }
    set.add(f);
    return () => {
      const current = this.followers.get(id);
      current?.delete(f);
      if (current?.size === 0) this.followers.delete(id);
    };
  }

  /** Forget a watch: its record, its queued deliveries and kept events; end its streams. */
  private forgetWatch(id: string, reason: "expired" | "unsubscribed"): void {
    this.book.remove(id);
    for (const d of [...(this.bySubscription.get(id)?.values() ?? [])]) this.drop(d, reason);
    const ending = this.followers.get(id);
    this.followers.delete(id);
    for (const f of ending ?? []) f.onEnd();
  }

  private purgeExpired(): void {
    const now = this.now();
    const expired = [...this.book.all()].filter((w) => w.expiresAt <= now).map((w) => w.id);
    for (const id of expired) this.forgetWatch(id, "expired");
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.purgeTimer);
    for (const set of this.followers.values()) for (const f of set) f.onEnd();
    this.followers.clear();
    this.opts.app.off("commit", this.onCommit);
    await this.root.close();
  }
}

/** A device change as a watch delivers it: no transaction hash, key or subscriber. */
function watchEvent(watch: string, e: DeviceChangedEvent): WatchEvent {
  return {
    type: "device.changed",
    id: e.id,
    watch,
    height: e.height,
    time: e.time,
    device: e.device,
    ids: e.ids,
    event: e.event,
    state: e.state,
    status: e.status,
  };
}

function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}
