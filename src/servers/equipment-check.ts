import type { EquipmentAnswer } from "../core/check/equipment-check.js";
import type { DeviceIdentifier } from "../core/identifiers/identifier.js";
import type { CheckProtocol } from "./check-observation.js";

/** One check as a protocol server received it, already parsed. */
export interface CheckRequest {
  /** The device, in whatever form the protocol carried it (PEI, IMEI AVP, MAC), resolved. */
  readonly identifier: DeviceIdentifier;
  /** SUPI, IMSI or user name as the network sent it, when the check carries one. */
  readonly subscriber: string | undefined;
  readonly protocol: CheckProtocol;
  /** Who asked: a Diameter realm, sbi:address, a NAS. */
  readonly network: string;
  /** Whether the asking peer proved who it is (see CheckObservation.authenticated). */
  readonly authenticated: boolean;
}

/**
 * What every protocol server asks for an EIR answer: N5g-eir, S13, the RADIUS server and
 * rlm_rest. A server parses its request, asks, and encodes the answer in its own words; the rule,
 * the unknown-device policy of each protocol and the observation the check leaves are decided
 * here, once.
 */
export interface EquipmentCheck {
  /** The answer to a check from a network, after recording the one observation it leaves. */
  check(request: CheckRequest): EquipmentAnswer;
  /**
   * The answer now for a device and subscriber checked before (a RADIUS session after a block),
   * leaving no observation: nobody asked again.
   */
  recheck(
    identifierKey: string,
    subscriber: string | undefined,
    protocol: CheckProtocol,
  ): EquipmentAnswer;
}
