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

/**
 * How servers ask for an EIR answer: a registry key and, when the check carries one, the
 * subscriber (SUPI, bare IMSI or user name, see normaliseSubscriber). Undefined: unknown device.
 */
export type StatusOf = (identifierKey: string, subscriber?: string) => EquipmentStatus | undefined;
