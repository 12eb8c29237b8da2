import type { Json } from "../encoding/canonical-json.js";
import { aliasKey, deviceKey } from "./keys.js";
import type { Pairing } from "./pairing.js";
import type { Role } from "./role.js";
import type { StateReader, StateWriter } from "./state.js";

export type ReportKind = "lost" | "stolen";

/** A lost or stolen report. Only its maker (or the regulator) clears it. */
export interface Mark {
  readonly kind: ReportKind;
  /** Account id of the reporter: a member id, or "owner:<key>". */
  readonly by: string;
  readonly role: Role;
  /** Police case number or operator's subscriber reference; never personal data. */
  readonly reference?: string;
  readonly height: number;
}

export interface RegulatorBlock {
  readonly by: string;
  readonly reason: BlockReason;
  readonly reference?: string;
  readonly height: number;
}

export const BLOCK_REASONS = ["counterfeit", "fraud", "other"] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

export const HISTORY_EVENTS = [
  "registered",
  "sold",
  "transfer_offered",
  "transfer_cancelled",
  "transferred",
  "reported_lost",
  "reported_stolen",
  "report_cleared",
  "recovered",
  "blocked",
  "unblocked",
  "scrapped",
  "clone_suspected",
  "clone_cleared",
  "paired",
  "unpaired",
  "insurance.settle",
  "key_set",
] as const;
export type HistoryEvent = (typeof HISTORY_EVENTS)[number];

/** One line of a device's history: when, in which transaction, by which kind of actor. */
export interface HistoryEntry {
  readonly height: number;
  /** Block time, milliseconds since the epoch, as the engine stamped the block. */
  readonly time: number;
  readonly tx: string;
  readonly actor: Role;
  readonly event: HistoryEvent;
}

/** An operator's report that the device's identity is used by more than one device. */
export interface CloneSuspicion {
  /** Member id of the operator. */
  readonly by: string;
  /** The detection rule that fired, e.g. "imei-multi-subscriber". */
  readonly rule: string;
  /** SHA-256 (hex) of the operator's local evidence, which never goes on the ledger. */
  readonly evidence: string;
  readonly height: number;
}

export interface Offer {
  readonly to: string;
  readonly height: number;
  /** The hash of the transfer.offer transaction: the offer's id, which accept and cancel name. */
  readonly tx: string;
}

/** A device record. Its id is its primary identifier's registry key. */
export interface Device {
  readonly id: string;
  /** Every identifier key of the device, primary first. */
  readonly ids: readonly string[];
  readonly manufacturer: string;
  /** Public key held in the device's secure element, if registered. */
  readonly deviceKey?: string;
  /** Owner's Ed25519 key id. */
  readonly owner?: string;
  readonly offer?: Offer;
  readonly marks: readonly Mark[];
  readonly block?: RegulatorBlock;
  readonly scrapped?: true;
  /** Set when the last report is cleared; shows as state "recovered" until ownership changes. */
  readonly recovered?: true;
  /** Open clone suspicions, at most one per operator; absent when none. */
  readonly suspicions?: readonly CloneSuspicion[];
  /** Genuine IMEI–subscriber pairings (salted hashes); absent when none. */
  readonly pairings?: readonly Pairing[];
  /** A settled theft claim (insurance.settle): the insurer's member key id, its claim, when. */
  readonly settlement?: {
    readonly insurer: string;
    readonly claim: string;
    readonly height: number;
  };
  readonly history: readonly HistoryEntry[];
}

export function readDevice(state: StateReader, id: string): Device | undefined {
  return state.get(deviceKey(id)) as unknown as Device | undefined;
}

export function writeDevice(state: StateWriter, device: Device): void {
  state.put(deviceKey(device.id), device as unknown as Json);
}

/** Resolve any identifier key (primary or alias) to its device. */
export function findDevice(state: StateReader, identifierKey: string): Device | undefined {
  const direct = readDevice(state, identifierKey);
  if (direct) return direct;
  const target = state.get(aliasKey(identifierKey));
  return typeof target === "string" ? readDevice(state, target) : undefined;
}

/** True if the identifier key is taken, as a primary id or an alias. */
export function identifierTaken(state: StateReader, identifierKey: string): boolean {
  return (
    state.get(deviceKey(identifierKey)) !== undefined ||
    state.get(aliasKey(identifierKey)) !== undefined
  );
}
