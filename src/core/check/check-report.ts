import { sha256 } from "../crypto/hash.js";
import { toHex, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import type { DeviceIdentifier, IdentifierKind } from "../identifiers/identifier.js";
import { luhnCheckDigit } from "../identifiers/luhn.js";
import type { TacDb } from "../identifiers/tac-db.js";
import type { ProofBundleJson } from "../proof/proof-bundle.js";
import type { Device } from "../state/device.js";
import { type DeviceState, deviceState } from "../state/device-state.js";
import { type EquipmentStatus, equipmentStatus } from "../state/equipment-status.js";
import type { Role } from "../state/role.js";

/**
 * The check report a buyer asks for before buying a device (GET /v1/check/{id}): what the
 * ledger says about it at one height, reduced to a verdict a person can act on. Pure: the node
 * hands in what it read (CheckFacts) and the TAC database; the same facts give the same report,
 * byte for byte, on every node that holds the same database.
 */
export const CHECK_VERDICTS = ["passed", "caution", "failed"] as const;
export type CheckVerdict = (typeof CHECK_VERDICTS)[number];

/**
 * Why a report is not "passed", in this order (the failing reasons first). `owner_locked` comes
 * with owner lock orders (issue 14) and is never produced yet.
 */
export const CHECK_REASONS = [
  "lost",
  "stolen",
  "blocked",
  "scrapped",
  "owner_locked",
  "bad_check_digit",
  "clone_suspected",
  "insurance_settled",
  "unregistered",
  "tac_unknown",
] as const;
export type CheckReason = (typeof CHECK_REASONS)[number];

/**
 * The reasons that fail a device: it must not be bought (it is blocked on every network, or its
 * owner still controls it, or the identifier was mistyped or tampered with). Every other reason
 * is a caution: the device works, but the buyer should ask before paying (docs/PROTOCOL.md,
 * "Check reports").
 */
const FAILING: ReadonlySet<CheckReason> = new Set([
  "lost",
  "stolen",
  "blocked",
  "scrapped",
  "owner_locked",
  "bad_check_digit",
]);

/**
 * The 15th digit of an IMEI as the buyer typed it: the Luhn digit ("valid"), another digit
 * ("invalid"), left out (14 digits, "not_given"), or no check digit to have (IMEISV, MAC, …).
 */
export type CheckDigitValidity = "valid" | "invalid" | "not_given" | "not_applicable";

/** What the verdict depends on. */
export interface VerdictInput {
  /** The device record, or undefined when the identifier is not registered. */
  readonly device: Device | undefined;
  readonly checkDigit: CheckDigitValidity;
  /** Whether the TAC database names the device's model; null when it has no IMEI. */
  readonly tacKnown: boolean | null;
}

export interface Verdict {
  readonly verdict: CheckVerdict;
  /** Every reason that applies, in CHECK_REASONS order; empty when passed. */
  readonly reasons: readonly CheckReason[];
}

/** The verdict and its reasons: failed if any reason fails, caution if any applies, else passed. */
export function checkVerdict({ device, checkDigit, tacKnown }: VerdictInput): Verdict {
  const applies = new Set<CheckReason>();
  if (device === undefined) applies.add("unregistered");
  else {
    if (device.marks.some((m) => m.kind === "lost")) applies.add("lost");
    if (device.marks.some((m) => m.kind === "stolen")) applies.add("stolen");
    if (device.block !== undefined) applies.add("blocked");
    if (device.scrapped) applies.add("scrapped");
    if (device.suspicions !== undefined && device.suspicions.length > 0) {
      applies.add("clone_suspected");
    }
    if (device.settlement !== undefined) applies.add("insurance_settled");
  }
  if (checkDigit === "invalid") applies.add("bad_check_digit");
  if (tacKnown === false) applies.add("tac_unknown");
  const reasons = CHECK_REASONS.filter((r) => applies.has(r));
  const verdict = reasons.some((r) => FAILING.has(r))
    ? "failed"
    : reasons.length > 0
      ? "caution"
      : "passed";
  return { verdict, reasons };
}

const IMEI_AS_TYPED = /^(?:imei[-:])?([0-9]{15})$/i;

/** The check digit of what the buyer typed, for the identifier it parsed to. */
export function checkDigitOf(input: string, id: DeviceIdentifier): CheckDigitValidity {
  if (id.kind !== "imei" || id.svn !== undefined) return "not_applicable";
  const digits = IMEI_AS_TYPED.exec(input.trim())?.[1];
  if (digits === undefined) return "not_given";
  return digits.charCodeAt(14) - 48 === luhnCheckDigit(digits.slice(0, 14)) ? "valid" : "invalid";
}

/** One identifier of the device, as a person writes it and as the registry keys it. */
export interface ReportIdentifier {
  readonly kind: IdentifierKind;
  /** The registry key, e.g. `imei:49015420323751`. */
  readonly key: string;
  /** The 15-digit IMEI with its check digit, AA-BB-… for a MAC or EUI-64, the serial. */
  readonly display: string;
  /** IMEIs only: the Type Allocation Code and whether the TAC database knows it. */
  readonly tac?: string;
  readonly tacKnown?: boolean;
}

/** One line of the device's history: never an owner key, a subscriber or a pairing hash. */
export interface ReportEvent {
  /** The block time, ISO 8601. */
  readonly date: string;
  readonly height: number;
  /** A history event (core/state/device HISTORY_EVENTS). */
  readonly kind: string;
  /** The kind of actor: a member role, or "owner". */
  readonly actorRole: Role;
  /** The member's organisation name; absent for an owner (or a member the node cannot name). */
  readonly organisation?: string;
}

/** A report's claims: everything its id hashes. */
export interface CheckReportBody {
  readonly version: 1;
  readonly chainId: string;
  /** The height whose committed state the report describes, and that block's time (ISO 8601). */
  readonly height: number;
  readonly time: string;
  /** The registry key of the identifier that was asked. */
  readonly asked: string;
  readonly registered: boolean;
  /** Every identifier of the device, primary first; just the one asked when it is unregistered. */
  readonly identifiers: readonly ReportIdentifier[];
  readonly validity: {
    readonly checkDigit: CheckDigitValidity;
    readonly tacKnown: boolean | null;
  };
  /** Brand and model from the first IMEI whose TAC the database knows, with its attribution. */
  readonly model?: { readonly brand: string; readonly model: string; readonly source: string };
  readonly state?: DeviceState;
  readonly equipmentStatus?: EquipmentStatus;
  readonly verdict: CheckVerdict;
  readonly reasons: readonly CheckReason[];
  readonly history: readonly ReportEvent[];
  /** Changes of owner: the first sale, each transfer, and an insurer taking title. */
  readonly ownershipChanges: number;
}

/** The node's detached signature: Ed25519 by its node key over reportSigningBytes. */
export interface ReportSignature {
  readonly keyId: string;
  readonly sig: string;
}

/** A check report as the node serves it. */
export interface CheckReport extends CheckReportBody {
  /** checkReportId(body): the same claims at the same height have the same id on every node. */
  readonly id: string;
  /** The proof bundle of the device record (or of its absence), at `height`. */
  readonly proof?: ProofBundleJson;
  readonly signature?: ReportSignature;
}

/** What the node read for one check, all at one height. */
export interface CheckFacts {
  readonly chainId: string;
  readonly height: number;
  /** Block time of `height`, milliseconds since the epoch. */
  readonly time: number;
  /** The identifier asked, parsed, and what was typed (for its check digit). */
  readonly asked: DeviceIdentifier;
  readonly input: string;
  readonly device: Device | undefined;
  /** The device's identifiers parsed, primary first (device.ids), or [asked] when unregistered. */
  readonly identifiers: readonly DeviceIdentifier[];
  /** The organisation behind each history entry (same index), where the node can name it. */
  readonly organisations: readonly (string | undefined)[];
}

const OWNERSHIP_CHANGES: ReadonlySet<string> = new Set(["sold", "transferred", "insurance.settle"]);

/** The report's claims from what the node read and the TAC database, with its id; unsigned. */
export function buildCheckReport(facts: CheckFacts, tacs: TacDb): CheckReport {
  const { device } = facts;
  let model: CheckReportBody["model"];
  let anyImei = false;
  const identifiers = facts.identifiers.map((id): ReportIdentifier => {
    const base = { kind: id.kind, key: id.key, display: id.display };
    if (id.tac === undefined) return base;
    anyImei = true;
    const info = tacs.lookup(id.tac);
    if (info && model === undefined) model = { ...info, source: tacs.attribution };
    return { ...base, tac: id.tac, tacKnown: info !== undefined };
  });
  const checkDigit = checkDigitOf(facts.input, facts.asked);
  const tacKnown = anyImei ? model !== undefined : null;
  const { verdict, reasons } = checkVerdict({ device, checkDigit, tacKnown });
  const history = (device?.history ?? []).map((e, i): ReportEvent => {
    const organisation = facts.organisations[i];
    return {
      date: new Date(e.time).toISOString(),
      height: e.height,
      kind: e.event,
      actorRole: e.actor,
      ...(organisation === undefined ? {} : { organisation }),
    };
  });
  const state = device === undefined ? undefined : deviceState(device);
  const body: CheckReportBody = {
    version: 1,
    chainId: facts.chainId,
    height: facts.height,
    time: new Date(facts.time).toISOString(),
    asked: facts.asked.key,
    registered: device !== undefined,
    identifiers,
    validity: { checkDigit, tacKnown },
    ...(model === undefined ? {} : { model }),
    ...(state === undefined ? {} : { state, equipmentStatus: equipmentStatus(state) }),
    verdict,
    reasons,
    history,
    ownershipChanges: history.filter((e) => OWNERSHIP_CHANGES.has(e.kind)).length,
  };
  return { ...body, id: checkReportId(body) };
}

const ID_DOMAIN = "devicechain/check-report-id/v1\n";

/**
 * A report's id: SHA-256 (hex) of a domain tag and the RFC 8785 canonical JSON of its claims,
 * the report without `id`, `proof` and `signature`. Anyone can recompute it; it names what was
 * claimed at a height, whichever node signed it.
 */
export function checkReportId(report: CheckReportBody | CheckReport): string {
  const { id: _id, proof: _proof, signature: _sig, ...body } = report as CheckReport;
  return toHex(sha256(utf8(ID_DOMAIN + canonicalize(body))));
}
