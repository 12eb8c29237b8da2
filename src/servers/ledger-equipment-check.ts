import {
  type EquipmentAnswer,
  equipmentAnswer,
  type UnknownDevicePolicy,
} from "../core/check/equipment-check.js";
import type { EquipmentReads } from "../ledger/read/equipment-reads.js";
import type { CheckProtocol, ObservationSink } from "./check-observation.js";
import type { CheckRequest, EquipmentCheck } from "./equipment-check.js";

export interface LedgerEquipmentCheckDeps {
  /** The ledger's reads (EquipmentReads over the store; a test may hand in its own). */
  readonly reads: Pick<EquipmentReads, "status" | "pairings">;
  /** Each protocol's unknown-device policy: unknownDevicePolicy for N5g-eir and S13, radiusUnknownMac for RADIUS. */
  readonly unknownDevice: Readonly<Record<CheckProtocol, UnknownDevicePolicy>>;
  /** Where observations go (the node's observation log); a throwing sink fails the check. */
  readonly observe: ObservationSink;
}

/** The EquipmentCheck over the local replica: the ledger's reads, the core rule, the observation. */
export class LedgerEquipmentCheck implements EquipmentCheck {
  constructor(private readonly deps: LedgerEquipmentCheckDeps) {}

  check(request: CheckRequest): EquipmentAnswer {
    const answer = this.recheck(request.identifier.key, request.subscriber, request.protocol);
    this.deps.observe({
      identifier: request.identifier.key,
      subscriber: request.subscriber,
      network: request.network,
      protocol: request.protocol,
      answer: answer.status ?? "UNKNOWN",
      authenticated: request.authenticated,
    });
    return answer;
  }

  recheck(
    identifierKey: string,
    subscriber: string | undefined,
    protocol: CheckProtocol,
  ): EquipmentAnswer {
    const { reads } = this.deps;
    const status = reads.status(identifierKey);
    // The hot path (no subscriber) never looks for pairings.
    const pairings =
      status === undefined || subscriber === undefined ? undefined : reads.pairings(identifierKey);
    return equipmentAnswer(status, pairings, subscriber, this.deps.unknownDevice[protocol]);
  }
}
