import type { CheckFacts } from "../../core/check/check-report.js";
import { type DeviceIdentifier, parseIdentifier } from "../../core/identifiers/identifier.js";
import { readChain } from "../../core/state/chain.js";
import { type Device, findDevice, type HistoryEntry } from "../../core/state/device.js";
import { aliasKey, deviceKey } from "../../core/state/keys.js";
import { memberIdForKey, readMember } from "../../core/state/member.js";
import type { LedgerStore } from "../storage/ledger-store.js";
import { deviceAttribution } from "./device-attribution.js";

/** Everything one check report needs from the ledger, read synchronously at one height. */
export interface CheckRead {
  readonly facts: CheckFacts;
  /** The member ids whose records made the answer, for the revenue share (deviceAttribution). */
  readonly attribution: readonly string[];
  /** The state keys a proof bundle must cover: the device record and the alias asked by, or both absences. */
  readonly proofKeys: readonly string[];
  /** The app hash of the state read: a proof of an earlier height with this app hash proves it too. */
  readonly appHash: string;
}

/** A bound on the transaction-signer cache: a signer is a 43-character key id. */
const MAX_CACHED_SIGNERS = 50_000;

/**
 * The ledger reads of a check report, over the committed state. Every read is synchronous, so a
 * caller that calls a ProofSource right after (in the same tick) proves the state it read.
 */
export class CheckReads {
  /** Transaction hash → its signer's key id: committed transactions never change. */
  private readonly signers = new Map<string, string | null>();

  constructor(private readonly store: LedgerStore) {}

  /** The facts for an identifier as a person types it; its coded error if it is not one. */
  read(input: string): CheckRead {
    const asked = parseIdentifier(input, "person");
    const last = this.store.last;
    const device = findDevice(this.store, asked.key);
    const identifiers: DeviceIdentifier[] = device
      ? device.ids.map((key) => parseIdentifier(key, "network"))
      : [asked];
    const memberIds = device ? device.history.map((e) => this.actorMember(device, e)) : [];
    const organisations = memberIds.map((id) =>
      id === undefined ? undefined : readMember(this.store, id)?.name,
    );
    return {
      facts: {
        chainId: readChain(this.store)?.chainId ?? "",
        height: last.height,
        time: last.time,
        asked,
        input,
        device,
        identifiers,
        organisations,
      },
      appHash: last.appHash,
      attribution: device
        ? deviceAttribution(device, (key) => memberIdForKey(this.store, key), memberIds)
        : [],
      proofKeys: device
        ? asked.key === device.id
          ? [deviceKey(device.id)]
          : [deviceKey(device.id), aliasKey(asked.key)]
        : [deviceKey(asked.key), aliasKey(asked.key)],
    };
  }

  /**
   * The member behind a history entry. A history line names only the actor's role, so the
   * member comes from the record where the record names it (the manufacturer registered it; an
   * open mark, block, suspicion or pairing of the same height), else from the transaction's
   * signer while that key is still the member's (a rotated key names nobody any more).
   */
  private actorMember(device: Device, e: HistoryEntry): string | undefined {
    if (e.actor === "owner") return undefined;
    if (e.event === "registered") return device.manufacturer;
    const byRecord =
      e.event === "reported_lost" || e.event === "reported_stolen"
        ? device.marks.find((m) => m.height === e.height && m.role === e.actor)?.by
        : e.event === "blocked"
          ? device.block?.height === e.height
            ? device.block.by
            : undefined
          : e.event === "clone_suspected"
            ? device.suspicions?.find((s) => s.height === e.height)?.by
            : e.event === "paired"
              ? device.pairings?.find((p) => p.height === e.height)?.by
              : undefined;
    if (byRecord !== undefined && !byRecord.startsWith("owner:")) return byRecord;
    const signer = this.signerOf(e.tx);
    return signer === null ? undefined : memberIdForKey(this.store, signer);
  }

  private signerOf(txHash: string): string | null {
    const cached = this.signers.get(txHash);
    if (cached !== undefined) return cached;
    const body = (this.store.getTx(txHash)?.tx as { body?: { signer?: unknown } } | undefined)
      ?.body;
    const signer = typeof body?.signer === "string" ? body.signer : null;
    if (this.signers.size >= MAX_CACHED_SIGNERS) this.signers.clear();
    this.signers.set(txHash, signer);
    return signer;
  }
}
