import { deviceKeyText } from "../../crypto/device-key.js";
import type { Json, JsonObject } from "../../encoding/canonical-json.js";
import { isError, makeError } from "../../errors/devicechain-error.js";
import { parseIdentifier } from "../../identifiers/identifier.js";
import { parseSerial } from "../../identifiers/serial.js";
import { type Device, identifierTaken, writeDevice } from "../../state/device.js";
import { aliasKey } from "../../state/keys.js";
import { onlyKeys } from "../../tx/params.js";
import { flagText, optionalFlag } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";
import { tacHolder } from "./allocate-tac.js";

/** A bulk registration carries at most this many identifiers, counted over all its devices. */
export const MAX_BULK_IDENTIFIERS = 10_000;
const MAX_IDS_PER_DEVICE = 4;
/** Bulk refusals list at most this many rows, enough for an importer to drop them and retry. */
const MAX_REPORTED_ROWS = 1_000;

export interface DeviceEntry {
  /** Identifier keys, primary first. */
  readonly ids: readonly string[];
  /** IMEI-family TACs among ids, to check against the manufacturer's allocation. */
  readonly tacs: readonly string[];
  readonly deviceKey?: string;
}

export interface RegisterParams {
  readonly devices: readonly DeviceEntry[];
}

export interface RowProblem {
  readonly index: number;
  readonly code: string;
  readonly id?: string;
}

function refuse(
  code: "TX_BAD_PARAMS" | "DEVICE_EXISTS" | "TAC_NOT_ALLOCATED",
  rows: RowProblem[],
): never {
  const first = rows[0];
  throw makeError(code, `${rows.length} row(s) refused; first at index ${first?.index}`, {
    data: { rows: rows.slice(0, MAX_REPORTED_ROWS) as unknown as Json },
  });
}

/**
 * Parse a bulk registration. Each device is {ids: [...], serial?, key?}. The signer's member id
 * namespaces serial numbers, so the parser needs it. Every bad row is reported, not just the first.
 */
export function parseRegister(p: JsonObject, manufacturerId: string): RegisterParams {
  onlyKeys(p, ["devices"]);
  const raw = p.devices;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw makeError("TX_BAD_PARAMS", "devices must be a non-empty array");
  }
  let total = 0;
  const devices: DeviceEntry[] = [];
  const problems: RowProblem[] = [];
  raw.forEach((row: Json, index: number) => {
    try {
      const entry = parseEntry(row, manufacturerId);
      total += entry.ids.length;
      devices.push(entry);
    } catch (e) {
      if (!isError(e)) throw e;
      problems.push({ index, code: e.code });
    }
  });
  if (total > MAX_BULK_IDENTIFIERS) {
    throw makeError("BULK_TOO_MANY", `${total} identifiers; at most ${MAX_BULK_IDENTIFIERS}`);
  }
  if (problems.length > 0) refuse("TX_BAD_PARAMS", problems);
  return { devices };
}

function parseEntry(row: Json, manufacturerId: string): DeviceEntry {
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw makeError("TX_BAD_PARAMS", "Each device is an object");
  }
  const r = row as JsonObject;
  onlyKeys(r, ["ids", "serial", "key"]);
  const rawIds = r.ids ?? [];
  if (!Array.isArray(rawIds) || rawIds.length > MAX_IDS_PER_DEVICE) {
    throw makeError("TX_BAD_PARAMS", `ids is an array of at most ${MAX_IDS_PER_DEVICE}`);
  }
  const ids: string[] = [];
  const tacs: string[] = [];
  for (const raw of rawIds) {
    if (typeof raw !== "string") throw makeError("TX_BAD_PARAMS", "Each id is a string");
    const id = parseIdentifier(raw, "person");
    ids.push(id.key);
    if (id.tac !== undefined) tacs.push(id.tac);
  }
  if (r.serial !== undefined) {
    if (typeof r.serial !== "string") throw makeError("TX_BAD_PARAMS", "serial is a string");
    ids.push(parseSerial(manufacturerId, r.serial).key);
  }
  if (ids.length === 0) throw makeError("TX_BAD_PARAMS", "A device needs at least one identifier");
  // An Ed25519 key id or a p256: key (core/crypto/device-key.ts), stored in its canonical text.
  return r.key === undefined ? { ids, tacs } : { ids, tacs, deviceKey: deviceKeyText(r.key) };
}

/** A manufacturer registers devices under its own TACs: all of them, or none. */
export function registerDevices(ctx: TxContext, p: RegisterParams): void {
  const manufacturer = ctx.signer.id;
  const notOurs: RowProblem[] = [];
  const taken: RowProblem[] = [];
  const seen = new Set<string>();
  p.devices.forEach((d, index) => {
    for (const tac of d.tacs) {
      if (tacHolder(ctx, tac) !== manufacturer)
        notOurs.push({ index, code: "TAC_NOT_ALLOCATED", id: tac });
    }
    for (const id of d.ids) {
      if (seen.has(id) || identifierTaken(ctx.state, id))
        taken.push({ index, code: "DEVICE_EXISTS", id });
      seen.add(id);
    }
  });
  if (notOurs.length > 0) refuse("TAC_NOT_ALLOCATED", notOurs);
  if (taken.length > 0) refuse("DEVICE_EXISTS", taken);

  const registered = { height: ctx.height, time: ctx.time, tx: ctx.txHash, actor: ctx.signer.role };
  for (const d of p.devices) {
    const [primary, ...aliases] = d.ids as [string, ...string[]];
    const device: Device = {
      id: primary,
      ids: d.ids,
      manufacturer,
      ...(d.deviceKey === undefined ? {} : { deviceKey: d.deviceKey }),
      marks: [],
      history: [{ ...registered, event: "registered" }],
    };
    writeDevice(ctx.state, device);
    for (const alias of aliases) ctx.state.put(aliasKey(alias), primary);
  }
  const first = p.devices[0]?.ids[0] ?? "";
  const last = p.devices[p.devices.length - 1]?.ids[0] ?? "";
  ctx.events.push({
    type: "device.registered",
    attributes: { manufacturer, count: String(p.devices.length), first, last },
  });
}

export const deviceRegister = defineTx({
  type: "device.register",
  description:
    "A manufacturer registers devices (up to 10,000 identifiers) under its own TACs, all or none.",
  authorization: { manufacturer: "IMEIs only under its own TACs; identifiers not taken" },
  parse: (p, signer) => parseRegister(p, signer.id),
  apply: registerDevices,
  cli: {
    command: "register",
    summary: "manufacturer: register one device (use `import` for many)",
    options: [
      {
        flag: "device",
        kind: "list",
        arg: "id",
        required: true,
        description: "its identifiers (IMEI, second IMEI, MAC, …)",
      },
      { flag: "serial", kind: "text", arg: "serial", description: "its serial number" },
      {
        flag: "device-key",
        kind: "text",
        arg: "keyid",
        description: "the public key in its secure element",
      },
    ],
    params: (v) => ({
      devices: [
        {
          ids: v.device as string[],
          ...optionalFlag(v, "serial"),
          ...(v["device-key"] === undefined ? {} : { key: flagText(v, "device-key") }),
        },
      ],
    }),
  },
});
