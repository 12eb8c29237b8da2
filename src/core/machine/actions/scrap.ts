import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import { DEVICE_OPTION, deviceOnlyParams } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";
import { parseDeviceOnly } from "./transfer.js";

/** The owner, or the manufacturer of a never-sold device, scraps it: BLACKLISTED for good. */
export function scrapDevice(ctx: TxContext, p: { readonly device: DeviceIdentifier }): void {
  const d = requireDevice(ctx, p.device);
  if (d.scrapped) throw makeError("DEVICE_SCRAPPED");
  if (ctx.signer.role === "owner" && d.owner !== ctx.signer.keyId)
    throw makeError("DEVICE_NOT_OWNER");
  if (ctx.signer.role === "manufacturer") {
    if (d.manufacturer !== ctx.signer.id) throw makeError("ROLE_FORBIDDEN", "Not its device");
    if (d.owner !== undefined) throw makeError("DEVICE_ALREADY_SOLD");
  }
  const { offer: _offer, ...rest } = d;
  commitDeviceChange(ctx, { ...rest, scrapped: true }, "scrapped");
}

export const deviceScrap = defineTx({
  type: "device.scrap",
  description:
    "The owner, or the manufacturer of a never-sold device, scraps it: BLACKLISTED for good.",
  authorization: {
    owner: "its own device",
    manufacturer: "a device it registered that was never sold",
  },
  parse: parseDeviceOnly,
  apply: scrapDevice,
  cli: {
    command: "scrap",
    summary: "owner (or the manufacturer of an unsold device): scrap it",
    options: [DEVICE_OPTION],
    params: deviceOnlyParams,
  },
});
