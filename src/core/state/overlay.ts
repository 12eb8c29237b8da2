import type { Json } from "../encoding/canonical-json.js";
import type { StateReader, StateWriter, StateWrites } from "./state.js";

/**
 * Pending writes over a parent state. A transaction runs in its own overlay, merged into the
 * block's overlay only if it succeeds: that is how a failed transaction changes nothing.
 */
export class Overlay implements StateWriter {
  readonly writes: StateWrites = new Map();

  constructor(private readonly parent: StateReader) {}

  get(key: string): Json | undefined {
    const v = this.writes.get(key);
    if (v === null) return undefined;
    return v !== undefined ? v : this.parent.get(key);
  }

  put(key: string, value: Json): void {
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.writes.set(key, null);
  }

  /** Move this overlay's writes into `target` (another overlay or a plain write set). */
  mergeInto(target: { writes: StateWrites }): void {
    for (const [k, v] of this.writes) target.writes.set(k, v);
  }
}
