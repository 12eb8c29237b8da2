/**
 * clone.suspect and clone.clear: one family, because the regulator's clear closes the case the
 * operators' suspicions open (docs/CLONES.md).
 */
import { sha256 } from "../../crypto/hash.js";
import { toHex } from "../../encoding/bytes.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import type { CloneSuspicion } from "../../state/device.js";
import { deviceRef, onlyKeys, text } from "../../tx/params.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import {
  DEVICE_OPTION,
  deviceOnlyParams,
  flagText,
  type TxCliIo,
  type TxCliValues,
} from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";
import { parseDeviceOnly } from "./transfer.js";

/** A detection rule's name: short, lowercase, no room for personal data. */
export const RULE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const EVIDENCE = /^[0-9a-f]{64}$/;

export interface SuspectCloneParams {
  readonly device: DeviceIdentifier;
  readonly rule: string;
  /** SHA-256 (lowercase hex) of the operator's local evidence. */
  readonly evidence: string;
}

export function parseSuspectClone(p: JsonObject): SuspectCloneParams {
  onlyKeys(p, ["device", "rule", "evidence"]);
  return {
    device: deviceRef(p),
    rule: text(p, "rule", { max: 63, pattern: RULE_NAME }),
    evidence: text(p, "evidence", { max: 64, pattern: EVIDENCE }),
  };
}

/**
 * An operator reports that a device's identity is in use by more than one device. The device
 * answers GREYLISTED until the regulator clears the case, unless a stronger state (lost, stolen,
 * blocked, scrapped) already blacklists it; the suspicion is recorded either way.
 */
export function suspectClone(ctx: TxContext, p: SuspectCloneParams): void {
  const d = requireDevice(ctx, p.device);
  if (d.scrapped) throw makeError("DEVICE_SCRAPPED");
  const open = d.suspicions ?? [];
  if (open.some((s) => s.by === ctx.signer.id)) throw makeError("CLONE_ALREADY_SUSPECTED");
  const suspicion: CloneSuspicion = {
    by: ctx.signer.id,
    rule: p.rule,
    evidence: p.evidence,
    height: ctx.height,
  };
  commitDeviceChange(ctx, { ...d, suspicions: [...open, suspicion] }, "clone_suspected");
  ctx.events.push({
    type: "clone.suspected",
    attributes: { device: d.id, by: ctx.signer.id, rule: p.rule, evidence: p.evidence },
  });
}

export const parseClearClone = parseDeviceOnly;

/** The regulator closes a clone case: every open suspicion goes; pairings stay. */
export function clearClone(ctx: TxContext, p: { readonly device: DeviceIdentifier }): void {
  const d = requireDevice(ctx, p.device);
  if (d.suspicions === undefined || d.suspicions.length === 0) {
    throw makeError("CLONE_NOT_SUSPECTED");
  }
  const { suspicions: _suspicions, ...rest } = d;
  commitDeviceChange(ctx, rest, "clone_cleared");
}

/** SHA-256 of a local evidence file: only the hash goes on the ledger. */
function evidenceOf(v: TxCliValues, io: TxCliIo): string {
  if ((v.evidence === undefined) === (v["evidence-file"] === undefined)) {
    throw makeError("REQUEST_BAD_PARAMS", "Give one of --evidence and --evidence-file");
  }
  return v.evidence !== undefined
    ? flagText(v, "evidence")
    : toHex(sha256(io.readFile(flagText(v, "evidence-file"))));
}

export const cloneSuspect = defineTx({
  type: "clone.suspect",
  description:
    "An operator reports a device's identity in use by more than one device: GREYLISTED until cleared.",
  authorization: {
    operator: "a device not scrapped; one open suspicion per operator, with an evidence hash",
  },
  parse: parseSuspectClone,
  apply: suspectClone,
  cli: {
    command: "suspect-clone",
    summary: "operator: report a clone suspicion (the device is greylisted)",
    options: [
      DEVICE_OPTION,
      {
        flag: "rule",
        kind: "text",
        arg: "name",
        required: true,
        description: "the detection rule that fired, e.g. imei-multi-subscriber",
      },
      {
        flag: "evidence",
        kind: "text",
        arg: "sha256",
        description: "SHA-256 (hex) of the evidence kept locally",
      },
      {
        flag: "evidence-file",
        kind: "text",
        arg: "file",
        description: "the local evidence file: only its SHA-256 is sent",
      },
    ],
    params: (v, io) => ({
      device: flagText(v, "device"),
      rule: flagText(v, "rule"),
      evidence: evidenceOf(v, io),
    }),
  },
});

export const cloneClear = defineTx({
  type: "clone.clear",
  description: "The regulator closes a clone case: every open suspicion goes; pairings stay.",
  authorization: { regulator: "a device with open clone suspicions" },
  parse: parseClearClone,
  apply: clearClone,
  cli: {
    command: "clear-clone",
    summary: "regulator: close a clone case (pairings stay)",
    options: [DEVICE_OPTION],
    params: deviceOnlyParams,
  },
});
