/**
 * report.file and report.clear: one family, because both work on a device's marks, and who may
 * clear a mark (its maker, or the regulator) is the other half of who may file it.
 */
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import type { Device, Mark, ReportKind } from "../../state/device.js";
import { deviceRef, oneOf, onlyKeys, optionalText, REFERENCE, text } from "../../tx/params.js";
import { ownerAccountId } from "../account.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import { DEVICE_OPTION, flagText, optionalFlag } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

export interface FileReportParams {
  readonly device: DeviceIdentifier;
  readonly kind: ReportKind;
  readonly reference?: string;
}

export function parseFileReport(p: JsonObject): FileReportParams {
  onlyKeys(p, ["device", "kind", "reference"]);
  const reference = optionalText(p, "reference", { max: 64, pattern: REFERENCE });
  const base = { device: deviceRef(p), kind: oneOf(p, "kind", ["lost", "stolen"] as const) };
  return reference === undefined ? base : { ...base, reference };
}

/**
 * Mark a device lost or stolen. The owner reports its own device; law enforcement marks it
 * stolen under a case reference; an operator reports for a subscriber under its own reference.
 */
export function fileReport(ctx: TxContext, p: FileReportParams): void {
  const d = requireDevice(ctx, p.device);
  const { role } = ctx.signer;
  if (role === "owner") requireOwnerOf(ctx, d);
  if (role === "law_enforcement" && p.kind !== "stolen") {
    throw makeError("TX_BAD_PARAMS", "Law enforcement marks devices stolen");
  }
  if ((role === "law_enforcement" || role === "operator") && p.reference === undefined) {
    throw makeError("REFERENCE_REQUIRED");
  }
  if (d.scrapped) throw makeError("DEVICE_SCRAPPED");
  if (d.marks.some((m) => m.by === ctx.signer.id && m.kind === p.kind)) {
    throw makeError("DEVICE_ALREADY_REPORTED");
  }
  const mark: Mark = {
    kind: p.kind,
    by: ctx.signer.id,
    role,
    ...(p.reference === undefined ? {} : { reference: p.reference }),
    height: ctx.height,
  };
  const { recovered: _recovered, ...rest } = d;
  commitDeviceChange(
    ctx,
    { ...rest, marks: [...d.marks, mark] },
    p.kind === "lost" ? "reported_lost" : "reported_stolen",
  );
}

function requireOwnerOf(ctx: TxContext, d: Device): void {
  if (d.owner !== ctx.signer.keyId) throw makeError("DEVICE_NOT_OWNER");
}

export interface ClearReportParams {
  readonly device: DeviceIdentifier;
  /** Regulator only: clear the marks of this account; without it, all marks. */
  readonly by?: string;
}

export function parseClearReport(p: JsonObject): ClearReportParams {
  onlyKeys(p, ["device", "by"]);
  const by = p.by === undefined ? undefined : text(p, "by", { max: 100 });
  return by === undefined ? { device: deviceRef(p) } : { device: deviceRef(p), by };
}

/** Clear marks. Only a mark's maker, or the regulator, can clear it; the last one clears to "recovered". */
export function clearReport(ctx: TxContext, p: ClearReportParams): void {
  const d = requireDevice(ctx, p.device);
  const isRegulator = ctx.signer.role === "regulator";
  if (p.by !== undefined && !isRegulator) {
    throw makeError("ROLE_FORBIDDEN", "Only the regulator clears another party's marks");
  }
  // A marked device changes hands only by insurance.settle: the paid-out owner's report is then
  // the insurer's to clear, not the former owner's.
  if (ctx.signer.role === "owner" && d.owner !== ctx.signer.keyId) {
    throw makeError("DEVICE_NOT_OWNER", "Only the device's current owner clears an owner's report");
  }
  const target = isRegulator ? p.by : ctx.signer.id;
  // An insurer that took the title by insurance.settle clears, as the owner now, the owners'
  // reports too (on recovery); the police's and operators' marks stay theirs to clear.
  const titleHolder = ctx.signer.role === "insurer" && holdsSettledTitle(ctx, d);
  const clears = (m: Mark) =>
    target === undefined ||
    m.by === target ||
    m.by === ownerAccountId(target) ||
    (titleHolder && m.role === "owner");
  const remaining = d.marks.filter((m) => !clears(m));
  if (remaining.length === d.marks.length) throw makeError("DEVICE_NO_MARK");
  const recovered = remaining.length === 0 && d.owner !== undefined;
  commitDeviceChange(
    ctx,
    { ...d, marks: remaining, ...(recovered ? { recovered: true as const } : {}) },
    recovered ? "recovered" : "report_cleared",
  );
}

/** True if the signer took the device's title by insurance.settle and still holds it. */
function holdsSettledTitle(ctx: TxContext, d: Device): boolean {
  return d.settlement?.insurer === ctx.signer.keyId && d.owner === ctx.signer.keyId;
}

export const reportFile = defineTx({
  type: "report.file",
  description: "Mark a device lost or stolen: BLACKLISTED until every mark is cleared.",
  authorization: {
    owner: "its own device: lost or stolen",
    law_enforcement: "stolen, with a case reference",
    operator: "lost or stolen, on behalf of a subscriber, with a reference",
  },
  parse: parseFileReport,
  apply: fileReport,
  cli: {
    command: "report",
    summary: "owner, operator or law enforcement: report lost or stolen",
    options: [
      DEVICE_OPTION,
      {
        flag: "kind",
        kind: "text",
        arg: "kind",
        required: true,
        description: "lost or stolen",
        choices: ["lost", "stolen"],
      },
      {
        flag: "reference",
        kind: "text",
        arg: "ref",
        description: "case or subscriber reference (required for police and operators)",
      },
    ],
    params: (v) => ({
      device: flagText(v, "device"),
      kind: flagText(v, "kind"),
      ...optionalFlag(v, "reference"),
    }),
  },
});

export const reportClear = defineTx({
  type: "report.clear",
  description:
    "Clear marks: a reporter its own, the regulator anyone's; the last one clears to recovered.",
  authorization: {
    owner: "its own marks, on a device it still owns",
    law_enforcement: "its own marks",
    operator: "its own marks",
    regulator: "any mark (all, or those of one reporter)",
    insurer: "the owners' marks on a device whose title it took by insurance.settle",
  },
  parse: parseClearReport,
  apply: clearReport,
  cli: {
    command: "clear",
    summary: "clear your own report (regulator: anyone's)",
    options: [
      DEVICE_OPTION,
      {
        flag: "by",
        kind: "text",
        arg: "account",
        description: "regulator: clear only this reporter's marks",
      },
    ],
    params: (v) => ({ device: flagText(v, "device"), ...optionalFlag(v, "by") }),
  },
});
