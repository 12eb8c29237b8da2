import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import type { Device } from "../../state/device.js";
import { deviceRef, keyId, onlyKeys } from "../../tx/params.js";
import {
  commitDeviceChange,
  requireDevice,
  requireOwner,
  requireTransferable,
} from "../device-change.js";
import type { TxContext } from "../tx-context.js";
import { requirePersonKey } from "./sell.js";

export interface OfferParams {
  readonly device: DeviceIdentifier;
  readonly to: string;
}

export function parseOffer(p: JsonObject): OfferParams {
  onlyKeys(p, ["device", "to"]);
  return { device: deviceRef(p), to: keyId(p, "to") };
}

export interface DeviceOnlyParams {
  readonly device: DeviceIdentifier;
}

export function parseDeviceOnly(p: JsonObject): DeviceOnlyParams {
  onlyKeys(p, ["device"]);
  return { device: deviceRef(p) };
}

/** The owner offers the device to a buyer's key. One open offer at a time. */
export function offerTransfer(ctx: TxContext, p: OfferParams): void {
  const d = requireDevice(ctx, p.device);
  requireOwner(ctx, d);
  requireTransferable(d);
  if (d.offer) throw makeError("OFFER_EXISTS");
  if (p.to === d.owner) throw makeError("TX_BAD_PARAMS", "The buyer is already the owner");
  requirePersonKey(ctx, p.to);
  commitDeviceChange(ctx, { ...d, offer: { to: p.to, height: ctx.height } }, "transfer_offered");
}

function withoutOffer(d: Device): Device {
  const { offer: _offer, ...rest } = d;
  return rest;
}

/** The buyer named in the offer accepts; a device reported meanwhile cannot change hands. */
export function acceptTransfer(ctx: TxContext, p: DeviceOnlyParams): void {
  const d = requireDevice(ctx, p.device);
  if (!d.offer) throw makeError("OFFER_NONE");
  if (d.offer.to !== ctx.signer.keyId) throw makeError("OFFER_NOT_FOR_YOU");
  requireTransferable(d);
  const { recovered: _recovered, ...rest } = withoutOffer(d);
  commitDeviceChange(ctx, { ...rest, owner: ctx.signer.keyId }, "transferred");
}

/** The owner withdraws an open offer. */
export function cancelTransfer(ctx: TxContext, p: DeviceOnlyParams): void {
  const d = requireDevice(ctx, p.device);
  requireOwner(ctx, d);
  if (!d.offer) throw makeError("OFFER_NONE");
  commitDeviceChange(ctx, withoutOffer(d), "transfer_cancelled");
}
