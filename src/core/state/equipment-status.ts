import type { DeviceState } from "./device-state.js";

/** TS 29.511 EquipmentStatus. */
export type EquipmentStatus = "WHITELISTED" | "BLACKLISTED" | "GREYLISTED";

const STATUS: Readonly<Record<DeviceState, EquipmentStatus>> = {
  registered: "WHITELISTED",
  active: "WHITELISTED",
  recovered: "WHITELISTED",
  clone_suspected: "GREYLISTED",
  lost: "BLACKLISTED",
  stolen: "BLACKLISTED",
  blocked: "BLACKLISTED",
  scrapped: "BLACKLISTED",
};

/** What an EIR answers for a device in a given state (docs/PROTOCOL.md, "Device states"). */
export function equipmentStatus(state: DeviceState): EquipmentStatus {
  return STATUS[state];
}
