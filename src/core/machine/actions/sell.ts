import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import { memberIdForKey } from "../../state/member.js";
import { deviceRef, keyId, onlyKeys } from "../../tx/params.js";
import { commitDeviceChange, requireDevice, requireTransferable } from "../device-change.js";
import { DEVICE_OPTION, flagText, publicKeyFlag } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

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

export const deviceSell = defineTx({
  type: "device.sell",
  description:
    "First sale: a retailer, or the device's own manufacturer, binds it to an owner's key.",
  authorization: {
    manufacturer: "a device it registered, not yet sold, not reported",
    retailer: "a device not yet sold, not reported",
  },
  parse: parseSell,
  apply: sellDevice,
  cli: {
    command: "sell",
    summary: "retailer or manufacturer: first sale to an owner's key",
    options: [
      DEVICE_OPTION,
      {
        flag: "owner",
        kind: "text",
        arg: "file|keyid",
        required: true,
        description: "the buyer's public key",
      },
    ],
    params: (v, io) => ({ device: flagText(v, "device"), owner: publicKeyFlag(v, "owner", io) }),
  },
});
