/**
 * What the access plugin asks of the node's access store (node/access-store implements it over
 * LMDB): API keys by id, this month's use of a key, and durable metering.
 */
import type { AccessScope } from "./access-context.js";

/** An API key as stored: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  /** `dck_<16 hex>`: the public part of the key. */
  readonly keyId: string;
  /** SHA-256 (hex) of the whole presented key. */
  readonly hash: string;
  readonly org: string;
  readonly plan: string;
  readonly scopes: readonly AccessScope[];
  /** ms since the epoch. */
  readonly created: number;
  /** ms since the epoch, once revoked; a revoked key is refused on its next request. */
  readonly revoked?: number;
}

/** One billable answer, as metered. */
export interface MeterRecord {
  /** The client's Idempotency-Key or X-Request-Id, else one the node made. */
  readonly requestId: string;
  /** When the request arrived, ms since the epoch. */
  readonly time: number;
  readonly org: string;
  readonly keyId: string;
  readonly plan: string;
  readonly scope: AccessScope;
  /** The route's URL pattern, e.g. /v1/check/:id (never the identifier asked about). */
  readonly route: string;
  /**
   * SHA-256 (hex) of the call's method and URL with its query (callHash): what tells a retry
   * under the same request id from another call, without storing the identifier asked about.
   */
  readonly call: string;
  readonly status: number;
  /** Minor units of `currency`. */
  readonly price: number;
  readonly currency: string;
  /** The member ids whose records made the answer (request.attribution). */
  readonly attribution: readonly string[];
}

/** A request id's first billed use by a key: what a later use of the id is compared with. */
export interface FirstUse {
  /** When that call arrived, ms since the epoch. */
  readonly time: number;
  /** Its callHash. */
  readonly call: string;
}

export interface AccessBook {
  /** The key record for a key id as stored now: read on every request, so a revocation holds at once. */
  key(keyId: string): ApiKeyRecord | undefined;
  /** Billable calls metered for a key and scope in a month (`YYYY-MM`). */
  used(keyId: string, scope: AccessScope, month: string): number;
  /**
   * The first metered use of a client's request id by a key, in the month of `time` or the one
   * before (so any use within 24 hours), committed or being written; undefined if none.
   */
  firstUse(keyId: string, requestId: string, time: number): FirstUse | undefined;
  /**
   * Record a billable call: resolves true once its transaction is committed (visible to every
   * process and in the OS page cache, so it survives a kill -9 of the node; the disk flush
   * follows within milliseconds, and a power cut may lose the last unflushed commits: under-
   * billing, never double billing). Resolves false when the key already has a record of this
   * request id (this month or the last), which is not billed again; `fresh` (an id the node
   * made) skips that lookup. Rejects when the store cannot write.
   */
  meter(record: MeterRecord, opts?: { readonly fresh?: boolean }): Promise<boolean>;
}
