import type { EventFilter } from "../events/event-filter.js";

/** How a delivery is signed: by the node's Ed25519 key, or an HMAC with the webhook's secret. */
export type SigningScheme = "ed25519" | "hmac-sha256";

/** A webhook registered by an account (a member id or "owner:<key>"). */
export interface Subscription {
  readonly id: string;
  readonly account: string;
  readonly url: string;
  readonly filter: EventFilter;
  /** Which kinds of event: device.changed, tracing.alert. */
  readonly types: readonly string[];
  readonly signing: SigningScheme;
  /** The HMAC secret, for signing "hmac-sha256". */
  readonly secret?: string;
  readonly createdAt: number;
}

/** A subscription as its account sees it: never the HMAC secret; with what is still queued. */
export interface SubscriptionView {
  readonly id: string;
  readonly url: string;
  readonly types: readonly string[];
  readonly filter: EventFilter;
  readonly signing: SigningScheme;
  readonly createdAt: number;
  /** Deliveries queued for it and not yet acknowledged. */
  readonly undelivered: number;
  /** The next attempt of the first of them that is due (ms since the epoch), if any. */
  readonly nextAttemptAt: number | null;
}

/** What the webhook routes need of the node's push service (src/node/push implements it). */
export interface WebhookRegistry {
  /** The key id that signs "ed25519" deliveries. */
  readonly nodeKeyId: string;
  /**
   * Register a webhook (the same one twice gives the same subscription). Refuses, with a coded
   * error, an account at its limit of webhooks and a URL the node may not reach.
   */
  subscribe(s: Omit<Subscription, "id" | "createdAt">): Promise<Subscription>;
  /** False if the account has no webhook of that id. */
  unsubscribe(id: string, account: string): boolean;
  list(account: string): SubscriptionView[];
}
