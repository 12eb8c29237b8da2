import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Database, open, type RootDatabase } from "lmdb";
import { isError } from "../../core/errors/devicechain-error.js";
import { normaliseSubscriber } from "../../core/identifiers/subscriber.js";
import type { CheckObservation, CheckProtocol } from "../../servers/check-observation.js";

export type { CheckObservation, CheckProtocol };

/** What is kept: no raw subscriber identity. */
export interface Observation {
  readonly identifier: string;
  /** HMAC-SHA256 of the subscriber under this node's secret salt, 32 hex; "" if none was given. */
  readonly subscriberHash: string;
  readonly network: string;
  readonly protocol: CheckProtocol;
  readonly time: number;
  /** The answer given (CheckObservation.answer). */
  readonly answer: CheckObservation["answer"];
  /** Whether the check came from an authenticated peer (CheckObservation.authenticated). */
  readonly authenticated: boolean;
}

export interface ObservationLogOptions {
  /** Folder of the LMDB store and of the salt file. */
  readonly dir: string;
  readonly retentionMs: number;
  /** How far back the in-memory per-device history goes, for detection rules and alerts. */
  readonly recentWindowMs: number;
  readonly now?: () => number;
}

const SALT_FILE = "subscriber-salt";
const FLUSH_MS = 100;
const MAX_RECENT_PER_DEVICE = 64;
/** Within this long, the same sighting again is not a new observation. */
const REPEAT_MS = 60_000;
/** Devices whose last unauthenticated sighting is remembered, to skip repeats; then forgotten. */
const MAX_UNAUTHENTICATED_DEVICES = 100_000;

/**
 * The node's local record of the checks it answered. It never goes on the ledger. Records are
 * written in batches (every 100 ms) so that recording costs the hot path a hash and an array
 * push, and are deleted once older than the retention.
 *
 * This is the one place where checks are routed to detection and tracing: every check is
 * recorded, but only those from authenticated peers enter the recent history the clone rules
 * read (`recentFor`) and reach the listeners (`onAuthenticatedObservation`: the clone detector,
 * tracing alerts). An unauthenticated peer can claim any IMEI and subscriber, so its checks can
 * neither make this node submit clone.suspect nor send anyone a tracing alert, nor push a
 * genuine sighting out of the history the rules read.
 */
export class ObservationLog {
  private readonly root: RootDatabase;
  private readonly db: Database<string, string>;
  private readonly salt: Buffer;
  private readonly now: () => number;
  private buffer: Observation[] = [];
  private seq = 0;
  /** Authenticated observations only, per device, within the recent window. */
  private readonly recent = new Map<string, Observation[]>();
  /** The last unauthenticated observation per device, only to record repeats once. */
  private readonly lastUnauthenticated = new Map<string, Observation>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly purgeTimer: NodeJS.Timeout;
  private readonly listeners: ((o: Observation) => void)[] = [];

  constructor(private readonly opts: ObservationLogOptions) {
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.dir, { recursive: true });
    this.salt = loadSalt(path.join(opts.dir, SALT_FILE));
    this.root = open({ path: path.join(opts.dir, "log"), compression: false });
    this.db = this.root.openDB({ name: "observations", encoding: "string" });
    this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
    this.flushTimer.unref();
    this.purgeTimer = setInterval(() => void this.purge(), 60_000);
    this.purgeTimer.unref();
    void this.purge();
  }

  /** Called for every observation from an authenticated peer after it is recorded (tracing, detection rules). */
  onAuthenticatedObservation(listener: (o: Observation) => void): void {
    this.listeners.push(listener);
  }

  /**
   * The salted hash under which this node records a subscriber. It is taken over the canonical
   * form (normaliseSubscriber), so that one subscriber seen as a SUPI on N5g-eir, a bare IMSI on
   * S13 and an EAP-SIM identity on RADIUS is one subscriber to the clone rules, not three; a
   * value with no canonical form is hashed as it came.
   */
  subscriberHash(subscriber: string | undefined): string {
    if (subscriber === undefined || subscriber === "") return "";
    return createHmac("sha256", this.salt).update(canonical(subscriber)).digest("hex").slice(0, 32);
  }

  /**
   * Record a check. A repeat of the device's last sighting (same subscriber, network, protocol
   * and answer, authenticated or not) within a minute adds nothing a rule or an alert could use,
   * so it is not recorded again: a busy network re-checking one device costs a hash and a
   * comparison. Returns the new observation, or undefined for such a repeat.
   */
  record(check: CheckObservation): Observation | undefined {
    const time = this.now();
    const subscriberHash = this.subscriberHash(check.subscriber);
    let list = this.recent.get(check.identifier);
    const last = check.authenticated
      ? list?.at(-1)
      : this.lastUnauthenticated.get(check.identifier);
    if (
      last !== undefined &&
      time - last.time < REPEAT_MS &&
      last.subscriberHash === subscriberHash &&
      last.network === check.network &&
      last.protocol === check.protocol &&
      last.answer === check.answer
    ) {
      return undefined;
    }
    const o: Observation = {
      identifier: check.identifier,
      subscriberHash,
      network: check.network,
      protocol: check.protocol,
      time,
      answer: check.answer,
      authenticated: check.authenticated,
    };
    this.buffer.push(o);
    if (!o.authenticated) {
      if (this.lastUnauthenticated.size >= MAX_UNAUTHENTICATED_DEVICES) {
        this.lastUnauthenticated.clear();
      }
      this.lastUnauthenticated.set(o.identifier, o);
      return o;
    }
    if (!list) {
      list = [];
      this.recent.set(o.identifier, list);
    }
    list.push(o);
    const horizon = o.time - this.opts.recentWindowMs;
    while (list.length > MAX_RECENT_PER_DEVICE || (list[0] && list[0].time < horizon)) list.shift();
    for (const l of this.listeners) l(o);
    return o;
  }

  /** The device's observations from authenticated peers within the recent window, oldest first. */
  recentFor(identifier: string): readonly Observation[] {
    return this.recent.get(identifier) ?? [];
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    void this.db.transaction(() => {
      for (const o of batch) {
        this.seq = (this.seq + 1) % 1_000_000;
        this.db.put(
          `${String(o.time).padStart(15, "0")}:${String(this.seq).padStart(6, "0")}`,
          JSON.stringify(o),
        );
      }
    });
  }

  /** Delete what is older than the retention, and forget idle devices. */
  private async purge(): Promise<void> {
    const cutoff = this.now() - this.opts.retentionMs;
    const end = `${String(cutoff).padStart(15, "0")}:`;
    await this.db.transaction(() => {
      for (const key of this.db.getKeys({ end })) this.db.remove(key);
    });
    const horizon = this.now() - this.opts.recentWindowMs;
    for (const [id, list] of this.recent) {
      if ((list.at(-1)?.time ?? 0) < horizon) this.recent.delete(id);
    }
    for (const [id, o] of this.lastUnauthenticated) {
      if (o.time < this.now() - REPEAT_MS) this.lastUnauthenticated.delete(id);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.purgeTimer);
    this.flush();
    await this.root.close();
  }
}

function canonical(subscriber: string): string {
  try {
    return normaliseSubscriber(subscriber);
  } catch (e) {
    if (isError(e, "SUBSCRIBER_BAD_FORMAT")) return subscriber;
    throw e;
  }
}

/** The node's secret salt: random, made once, kept beside the log. */
function loadSalt(file: string): Buffer {
  if (existsSync(file)) return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  const salt = randomBytes(32);
  writeFileSync(file, `${salt.toString("hex")}\n`, { mode: 0o600 });
  return salt;
}
