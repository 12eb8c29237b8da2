import type { Database, RootDatabase } from "lmdb";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { Watch, WatchEvent } from "../../servers/watch/watch-registry.js";

export interface WatchBounds {
  /** The most watches one owner (an API key's organisation, or a member) may hold. */
  readonly maxPerOwner: number;
  /** The most watches on the node, all owners together. */
  readonly maxTotal: number;
  /** The most events kept per watch without a webhook, for a stream to resume from. */
  readonly backlog: number;
}

/**
 * The node's watches, in the push service's LMDB beside its webhooks: the records, an index from
 * identifier key to the watches that name it (a block's events are matched by lookup, not by
 * scanning every watch), and for watches followed by server-sent events the last few events, so a
 * stream that drops can resume with Last-Event-ID, across a restart too.
 */
export class WatchBook {
  private readonly records: Database<string, string>;
  private readonly kept: Database<string, string>;
  private readonly byId = new Map<string, Watch>();
  private readonly byDevice = new Map<string, Set<string>>();
  /**
   * The kept events, by watch, oldest first, also in memory: an LMDB write is not visible to
   * reads until it commits, and a stream resuming at once must still find the event.
   */
  private readonly recent = new Map<string, { key: string; event: WatchEvent }[]>();

  constructor(
    root: RootDatabase,
    private readonly bounds: WatchBounds,
  ) {
    this.records = root.openDB({ name: "watches", encoding: "string" });
    this.kept = root.openDB({ name: "watch-events", encoding: "string" });
    for (const { value } of this.records.getRange()) this.track(JSON.parse(value) as Watch);
    for (const { key, value } of this.kept.getRange()) {
      const event = JSON.parse(value) as WatchEvent;
      if (!this.byId.has(event.watch)) {
        this.kept.remove(key);
        continue;
      }
      const events = this.recent.get(event.watch) ?? [];
      events.push({ key, event });
      this.recent.set(event.watch, events);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Watch | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<Watch> {
    return this.byId.values();
  }

  /** Refuse a new watch past the owner's or the node's bound (WATCH_LIMIT, WATCH_NODE_FULL). */
  assertRoomFor(owner: string): void {
    if (this.byId.size >= this.bounds.maxTotal) {
      throw makeError("WATCH_NODE_FULL", `This node holds at most ${this.bounds.maxTotal} watches`);
    }
    let count = 0;
    for (const w of this.byId.values()) if (w.owner === owner) count += 1;
    if (count >= this.bounds.maxPerOwner) {
      throw makeError("WATCH_LIMIT", `An owner holds at most ${this.bounds.maxPerOwner} watches`);
    }
  }

  add(w: Watch): void {
    this.records.putSync(w.id, JSON.stringify(w));
    this.track(w);
  }

  remove(id: string): Watch | undefined {
    const w = this.byId.get(id);
    if (!w) return undefined;
    this.byId.delete(id);
    for (const key of w.devices) {
      const ids = this.byDevice.get(key);
      ids?.delete(id);
      if (ids?.size === 0) this.byDevice.delete(key);
    }
    this.records.removeSync(id);
    for (const { key } of this.recent.get(id) ?? []) this.kept.remove(key);
    this.recent.delete(id);
    return w;
  }

  /** The watches naming any of these identifier keys, each once. */
  matching(keys: readonly string[]): Watch[] {
    const found = new Set<string>();
    for (const key of keys) for (const id of this.byDevice.get(key) ?? []) found.add(id);
    return [...found].map((id) => this.byId.get(id)).filter((w) => w !== undefined);
  }

  /** Keep an event of a watch without a webhook; the oldest beyond the backlog bound go. */
  keep(e: WatchEvent): void {
    const key = keptKey(e.watch, e.id);
    if (key === undefined) return;
    let events = this.recent.get(e.watch);
    if (!events) {
      events = [];
      this.recent.set(e.watch, events);
    }
    events.push({ key, event: e });
    this.kept.put(key, JSON.stringify(e));
    while (events.length > this.bounds.backlog) {
      const gone = events.shift();
      if (gone) this.kept.remove(gone.key);
    }
  }

  /** A watch's kept events after the event id `after` (all of them without one), oldest first. */
  keptSince(watch: string, after: string | undefined): WatchEvent[] {
    const from = after === undefined ? undefined : keptKey(watch, after);
    return (this.recent.get(watch) ?? [])
      .filter(({ key }) => from === undefined || key > from)
      .map(({ event }) => event);
  }

  private track(w: Watch): void {
    this.byId.set(w.id, w);
    for (const key of w.devices) {
      let ids = this.byDevice.get(key);
      if (!ids) {
        ids = new Set();
        this.byDevice.set(key, ids);
      }
      ids.add(w.id);
    }
  }
}

/** `<watch>/<height>:<tx>:<event>`, each number zero-padded so that keys sort as events commit. */
function keptKey(watch: string, eventId: string): string | undefined {
  const m = /^([0-9]{1,15}):([0-9]{1,9}):([0-9]{1,9})$/.exec(eventId);
  if (!m) return undefined;
  const [, h = "", t = "", e = ""] = m;
  return `${watch}/${h.padStart(15, "0")}:${t.padStart(9, "0")}:${e.padStart(9, "0")}`;
}
