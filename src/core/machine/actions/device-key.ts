import { deviceKeyText } from "../../crypto/device-key.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import { deviceRef, onlyKeys } from "../../tx/params.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import { DEVICE_OPTION, flagText } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

export interface DeviceKeySetParams {
  readonly device: DeviceIdentifier;
  /** Canonical text of an Ed25519 or P-256 key (core/crypto/device-key.ts). */
  readonly key: string;
}

export function parseDeviceKeySet(p: JsonObject): DeviceKeySetParams {
  onlyKeys(p, ["device", "key"]);
  return { device: deviceRef(p), key: deviceKeyText(p.key) };
}

/**
 * The device's manufacturer records or replaces the key in its secure element (a repaired or
 * re-provisioned device). The old key stops proving the device in the same block.
 */
export function setDeviceKey(ctx: TxContext, p: DeviceKeySetParams): void {
  const d = requireDevice(ctx, p.device);
  if (d.manufacturer !== ctx.signer.id) throw makeError("ROLE_FORBIDDEN", "Not its device");
  if (d.scrapped) throw makeError("DEVICE_SCRAPPED");
  if (d.deviceKey === p.key) throw makeError("DEVICE_KEY_UNCHANGED");
  commitDeviceChange(ctx, { ...d, deviceKey: p.key }, "key_set");
}

export const deviceKeySet = defineTx({
  type: "devicekey.set",
  description:
    "The device's manufacturer sets or replaces its device key (Ed25519 or ECDSA P-256).",
  authorization: { manufacturer: "a device it registered, not scrapped" },
  parse: parseDeviceKeySet,
  apply: setDeviceKey,
  cli: {
    command: "set-device-key",
    summary: "manufacturer: set or replace a device's key (Ed25519 or p256:)",
    options: [
      DEVICE_OPTION,
      {
        flag: "device-key",
        kind: "text",
        arg: "keyid|p256:point",
        required: true,
        description: "the public key in its secure element",
      },
    ],
    params: (v) => ({ device: flagText(v, "device"), key: flagText(v, "device-key") }),
  },
});
