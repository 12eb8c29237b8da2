import { makeError } from "../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../identifiers/identifier.js";
import { type Device, findDevice, type HistoryEvent, writeDevice } from "../state/device.js";
import { deviceState } from "../state/device-state.js";
import { equipmentStatus } from "../state/equipment-status.js";
import type { TxContext } from "./tx-context.js";

/** The device an identifier names, or DEVICE_UNKNOWN. */
export function requireDevice(ctx: TxContext, id: DeviceIdentifier): Device {
  const d = findDevice(ctx.state, id.key);
  if (!d) throw makeError("DEVICE_UNKNOWN", `No device is registered as ${id.display}`);
  return d;
}

/** True if nothing stops the device changing hands: no report, no block, not scrapped. */
export function isTransferable(d: Device): boolean {
  return !d.scrapped && !d.block && d.marks.length === 0;
}

export function requireTransferable(d: Device): void {
  if (!isTransferable(d)) throw makeError("DEVICE_NOT_TRANSFERABLE");
}

export function requireOwner(ctx: TxContext, d: Device): void {
  if (d.owner !== ctx.signer.keyId) throw makeError("DEVICE_NOT_OWNER");
}

/** Write a changed device, append one history line and emit the device.changed event. */
export function commitDeviceChange(ctx: TxContext, next: Device, event: HistoryEvent): void {
  const entry = {
    height: ctx.height,
    time: ctx.time,
    tx: ctx.txHash,
    actor: ctx.signer.role,
    event,
  };
  const device: Device = { ...next, history: [...next.history, entry] };
  writeDevice(ctx.state, device);
  const state = deviceState(device);
  ctx.events.push({
    type: "device.changed",
    attributes: { device: device.id, event, state, status: equipmentStatus(state) },
  });
}
