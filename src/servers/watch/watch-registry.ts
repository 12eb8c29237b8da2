import type { SigningScheme } from "../push/webhook-registry.js";

/** Where a watch's deliveries go, signed as webhooks are. */
export interface WatchWebhook {
  readonly url: string;
  readonly signing: SigningScheme;
  /** The HMAC secret, for signing "hmac-sha256"; never shown back. */
  readonly secret?: string;
}

/** A watch: some devices followed until expiresAt, by a webhook or over server-sent events. */
export interface Watch {
  readonly id: string;
  /** Who owns it: "org:<name>" for an API key's organisation, else a member id. */
  readonly owner: string;
  /** Identifier keys: a registered device's primary key, or the key as given if unregistered. */
  readonly devices: readonly string[];
  readonly createdAt: number;
  /** Milliseconds since the epoch; nothing is delivered after it, and the watch is purged. */
  readonly expiresAt: number;
  /** Absent: the watch is followed over GET /v1/watches/{id}/events. */
  readonly webhook?: WatchWebhook;
}

/**
 * What a watch delivers for one change of a watched device: the device's identifiers, the kind of
 * change, the new state and EIR status, and the height and time it committed at. A watcher may be
 * no member, so it never carries a key (owner or signer), a subscriber, or the transaction's hash
 * (which would lead to the signed transaction and its keys).
 */
export interface WatchEvent {
  readonly type: "device.changed";
  /** `<height>:<tx index>:<event index>`, as for webhooks: the same on every node. */
  readonly id: string;
  readonly watch: string;
  readonly height: number;
  readonly time: number;
  readonly device: string;
  readonly ids: readonly string[];
  readonly event: string;
  readonly state: string;
  readonly status: string;
}

export interface NewWatch {
  readonly owner: string;
  readonly devices: readonly string[];
  /** 1 to 90. */
  readonly days: number;
  readonly webhook?: WatchWebhook;
}

/** What the watch routes need of the node's push service (src/node/push implements it). */
export interface WatchRegistry {
  /** The key id that signs "ed25519" deliveries. */
  readonly nodeKeyId: string;
  /**
   * Create a watch that expires `days` from now on the node's clock. Refuses, with a coded
   * error, an owner at its limit of watches, a node at its total, and a webhook URL the node may
   * not reach (the same rules as webhooks).
   */
  createWatch(w: NewWatch): Promise<Watch>;
  /** An owner's watches that have not expired, oldest first. */
  watches(owner: string): Watch[];
  /** One of an owner's watches, or undefined (another owner's, expired or unknown). */
  watch(id: string, owner: string): Watch | undefined;
  /** Remove one of an owner's watches and what is queued for it; false if it has none. */
  removeWatch(id: string, owner: string): boolean;
  /**
   * Follow a watch's events as they commit, after replaying those kept since `lastEventId` (an
   * event id), for a watch without a webhook. `onEnd` runs once when the watch expires or is
   * removed. Returns the function that stops following.
   */
  followWatch(
    id: string,
    lastEventId: string | undefined,
    onEvent: (e: WatchEvent) => void,
    onEnd: () => void,
  ): () => void;
}
