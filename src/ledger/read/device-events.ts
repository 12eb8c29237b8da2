import { findDevice } from "../../core/state/device.js";
import type { StateReader } from "../../core/state/state.js";
import type { CommittedBlock } from "../application.js";

/** A device's status change, as webhooks deliver it and filtered event streams send it. */
export interface DeviceChangedEvent {
  readonly type: "device.changed";
  /** `<height>:<tx index>:<event index>`: the same on every node, so receivers can deduplicate. */
  readonly id: string;
  readonly height: number;
  readonly time: number;
  readonly tx: string;
  readonly device: string;
  /** Every identifier key of the device, primary first. */
  readonly ids: readonly string[];
  readonly event: string;
  readonly state: string;
  readonly status: string;
}

/** The device.changed events of a committed block, with each device's identifiers. */
export function deviceChangedEvents(
  { block, results }: CommittedBlock,
  state: StateReader,
): DeviceChangedEvent[] {
  const out: DeviceChangedEvent[] = [];
  results.forEach((r, txIndex) => {
    r.events.forEach((e, eventIndex) => {
      if (e.type !== "device.changed") return;
      const device = e.attributes.device ?? "";
      out.push({
        type: "device.changed",
        id: `${block.header.height}:${txIndex}:${eventIndex}`,
        height: block.header.height,
        time: block.header.time,
        tx: r.hash,
        device,
        ids: findDevice(state, device)?.ids ?? [device],
        event: e.attributes.event ?? "",
        state: e.attributes.state ?? "",
        status: e.attributes.status ?? "",
      });
    });
  });
  return out;
}
