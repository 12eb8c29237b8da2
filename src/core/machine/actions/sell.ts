import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import { memberIdForKey } from "../../state/member.js";
import { deviceRef, keyId, onlyKeys } from "../../tx/params.js";
import { commitDeviceChange, requireDevice, requireTransferable } from "../device-change.js";
import type { TxContext } from "../tx-context.js";

export interface SellParams {
  readonly device: DeviceIdentifier;
  readonly owner: string;
}

export function parseSell(p: JsonObject): SellParams {
  onlyKeys(p, ["device", "owner"]);
  return { device: deviceRef(p), owner: keyId(p, "owner") };
}

/** Owners are people: a member's key cannot be made a device owner. */
export function requirePersonKey(ctx: TxContext, key: string): void {
  if (memberIdForKey(ctx.state, key) !== undefined) {
    throw makeError("KEY_IN_USE", "That key belongs to a member, not a person");
  }
}

/** First sale: a retailer, or the device's own manufacturer, binds it to an owner key. */
export function sellDevice(ctx: TxContext, p: SellParams): void {
  const d = requireDevice(ctx, p.device);
  if (ctx.signer.role === "manufacturer" && d.manufacturer !== ctx.signer.id) {
    throw makeError("ROLE_FORBIDDEN", "A manufacturer sells only devices it registered");
  }
  if (d.owner !== undefined) throw makeError("DEVICE_ALREADY_SOLD");
  requireTransferable(d);
  requirePersonKey(ctx, p.owner);
  commitDeviceChange(ctx, { ...d, owner: p.owner }, "sold");
}
