/**
 * device.block and device.unblock: one family, because the unblock undoes exactly the block
 * record the other writes.
 */
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import { BLOCK_REASONS, type BlockReason } from "../../state/device.js";
import { deviceRef, oneOf, onlyKeys, optionalText, REFERENCE } from "../../tx/params.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import { DEVICE_OPTION, deviceOnlyParams, flagText, optionalFlag } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";
import { parseDeviceOnly } from "./transfer.js";

export interface BlockParams {
  readonly device: DeviceIdentifier;
  readonly reason: BlockReason;
  readonly reference?: string;
}

export function parseBlock(p: JsonObject): BlockParams {
  onlyKeys(p, ["device", "reason", "reference"]);
  const reference = optionalText(p, "reference", { max: 64, pattern: REFERENCE });
  const base = { device: deviceRef(p), reason: oneOf(p, "reason", BLOCK_REASONS) };
  return reference === undefined ? base : { ...base, reference };
}

/** The regulator blocks a device (counterfeit, fraud): BLACKLISTED until it unblocks it. */
export function blockDevice(ctx: TxContext, p: BlockParams): void {
  const d = requireDevice(ctx, p.device);
  if (d.block) throw makeError("DEVICE_ALREADY_BLOCKED");
  const block = {
    by: ctx.signer.id,
    reason: p.reason,
    ...(p.reference === undefined ? {} : { reference: p.reference }),
    height: ctx.height,
  };
  commitDeviceChange(ctx, { ...d, block }, "blocked");
}

export const parseUnblock = parseDeviceOnly;

/** The regulator lifts its block. */
export function unblockDevice(ctx: TxContext, p: { readonly device: DeviceIdentifier }): void {
  const d = requireDevice(ctx, p.device);
  if (!d.block) throw makeError("DEVICE_NOT_BLOCKED");
  const { block: _block, ...rest } = d;
  commitDeviceChange(ctx, rest, "unblocked");
}

export const deviceBlock = defineTx({
  type: "device.block",
  description:
    "The regulator blocks a device (counterfeit, fraud): BLACKLISTED until it unblocks it.",
  authorization: { regulator: "a device not already blocked" },
  parse: parseBlock,
  apply: blockDevice,
  cli: {
    command: "block",
    summary: "regulator: block a device",
    options: [
      DEVICE_OPTION,
      {
        flag: "reason",
        kind: "text",
        arg: "reason",
        required: true,
        description: "why",
        choices: BLOCK_REASONS,
      },
      { flag: "reference", kind: "text", arg: "ref", description: "case reference" },
    ],
    params: (v) => ({
      device: flagText(v, "device"),
      reason: flagText(v, "reason"),
      ...optionalFlag(v, "reference"),
    }),
  },
});

export const deviceUnblock = defineTx({
  type: "device.unblock",
  description: "The regulator lifts its block.",
  authorization: { regulator: "a blocked device" },
  parse: parseUnblock,
  apply: unblockDevice,
  cli: {
    command: "unblock",
    summary: "regulator: lift a block",
    options: [DEVICE_OPTION],
    params: deviceOnlyParams,
  },
});
