import type { DeviceChangedEvent } from "../../ledger/read/device-events.js";

/** What a subscriber asked for: some devices (by identifier key) and some history events. */
export interface EventFilter {
  /** Identifier keys; empty or absent: every device. */
  readonly devices?: readonly string[];
  /** History events such as reported_stolen; empty or absent: every event. */
  readonly events?: readonly string[];
}

export function matchesFilter(filter: EventFilter, e: DeviceChangedEvent): boolean {
  if (filter.events?.length && !filter.events.includes(e.event)) return false;
  if (filter.devices?.length && !e.ids.some((id) => filter.devices?.includes(id))) return false;
  return true;
}
