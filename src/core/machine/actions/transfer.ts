/**
 * transfer.offer, transfer.accept and transfer.cancel: one family, because an acceptance and a
 * withdrawal answer one offer, named by its id, and share how that offer is found and checked.
 */
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import type { Device, Offer } from "../../state/device.js";
import { deviceRef, keyId, onlyKeys, txHashParam } from "../../tx/params.js";
import {
  commitDeviceChange,
  requireDevice,
  requireOwner,
  requireTransferable,
} from "../device-change.js";
import {
  DEVICE_OPTION,
  flagText,
  publicKeyFlag,
  type TxCliOption,
  type TxCliValues,
} from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";
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

/** Accept and cancel name the offer they answer, so a signature cannot answer a later offer. */
export interface OfferRefParams {
  readonly device: DeviceIdentifier;
  /** The offer's id: the hash of its transfer.offer transaction. */
  readonly offer: string;
}

export function parseOfferRef(p: JsonObject): OfferRefParams {
  onlyKeys(p, ["device", "offer"]);
  return { device: deviceRef(p), offer: txHashParam(p, "offer") };
}

function requireOffer(d: Device, id: string): Offer {
  if (!d.offer) throw makeError("OFFER_NONE");
  if (d.offer.tx !== id) {
    throw makeError("OFFER_CHANGED", `The open offer is ${d.offer.tx}, not ${id}`);
  }
  return d.offer;
}

/** The owner offers the device to a buyer's key. One open offer at a time. */
export function offerTransfer(ctx: TxContext, p: OfferParams): void {
  const d = requireDevice(ctx, p.device);
  requireOwner(ctx, d);
  requireTransferable(d);
  if (d.offer) throw makeError("OFFER_EXISTS");
  if (p.to === d.owner) throw makeError("TX_BAD_PARAMS", "The buyer is already the owner");
  requirePersonKey(ctx, p.to);
  commitDeviceChange(
    ctx,
    { ...d, offer: { to: p.to, height: ctx.height, tx: ctx.txHash } },
    "transfer_offered",
  );
}

function withoutOffer(d: Device): Device {
  const { offer: _offer, ...rest } = d;
  return rest;
}

/**
 * The buyer named in the offer accepts that offer, by its id; a device reported meanwhile cannot
 * change hands.
 */
export function acceptTransfer(ctx: TxContext, p: OfferRefParams): void {
  const d = requireDevice(ctx, p.device);
  const offer = requireOffer(d, p.offer);
  if (offer.to !== ctx.signer.keyId) throw makeError("OFFER_NOT_FOR_YOU");
  requireTransferable(d);
  const { recovered: _recovered, ...rest } = withoutOffer(d);
  commitDeviceChange(ctx, { ...rest, owner: ctx.signer.keyId }, "transferred");
}

/** The owner withdraws the open offer it names. */
export function cancelTransfer(ctx: TxContext, p: OfferRefParams): void {
  const d = requireDevice(ctx, p.device);
  requireOwner(ctx, d);
  requireOffer(d, p.offer);
  commitDeviceChange(ctx, withoutOffer(d), "transfer_cancelled");
}

const offerOption: TxCliOption = {
  flag: "offer",
  kind: "text",
  arg: "id",
  required: true,
  description: "the offer's id (its transaction's hash; `devicechain device` shows it)",
};
const offerRefParams = (v: TxCliValues) => ({
  device: flagText(v, "device"),
  offer: flagText(v, "offer"),
});

export const transferOffer = defineTx({
  type: "transfer.offer",
  description: "The owner offers its device to a buyer's key; one open offer at a time.",
  authorization: { owner: "its own device, not reported, blocked or scrapped" },
  parse: parseOffer,
  apply: offerTransfer,
  cli: {
    command: "offer",
    summary: "owner: offer the device to a buyer's key",
    options: [
      DEVICE_OPTION,
      {
        flag: "to",
        kind: "text",
        arg: "file|keyid",
        required: true,
        description: "the buyer's public key",
      },
    ],
    params: (v, io) => ({ device: flagText(v, "device"), to: publicKeyFlag(v, "to", io) }),
  },
});

export const transferAccept = defineTx({
  type: "transfer.accept",
  description: "The buyer accepts the offer made to its key, named by its id, and owns the device.",
  authorization: {
    owner: "the open offer addressed to its key, named by its id; device not reported",
  },
  parse: parseOfferRef,
  apply: acceptTransfer,
  cli: {
    command: "accept",
    summary: "buyer: accept the offer made to your key, named by its id",
    options: [DEVICE_OPTION, offerOption],
    params: offerRefParams,
  },
});

export const transferCancel = defineTx({
  type: "transfer.cancel",
  description: "The owner withdraws its device's open offer, named by its id.",
  authorization: { owner: "its own device's open offer, named by its id" },
  parse: parseOfferRef,
  apply: cancelTransfer,
  cli: {
    command: "cancel-offer",
    summary: "owner: withdraw the open offer, named by its id",
    options: [DEVICE_OPTION, offerOption],
    params: offerRefParams,
  },
});
