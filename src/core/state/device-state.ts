import type { Device } from "./device.js";

export const DEVICE_STATES = [
  "registered",
  "active",
  "recovered",
  "clone_suspected",
  "lost",
  "stolen",
  "blocked",
  "scrapped",
] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** A device's state, derived from its record; precedence follows severity. */
export function deviceState(d: Device): DeviceState {
  if (d.scrapped) return "scrapped";
  if (d.block) return "blocked";
  if (d.marks.some((m) => m.kind === "stolen")) return "stolen";
  if (d.marks.length > 0) return "lost";
  if (d.suspicions !== undefined && d.suspicions.length > 0) return "clone_suspected";
  if (d.owner === undefined) return "registered";
  return d.recovered ? "recovered" : "active";
}
