import type { EquipmentStatus } from "../core/state/equipment-status.js";

/**
 * What one answered check leaves for the node's observation log: the one shape every protocol
 * records (through EquipmentCheck), from the server to the log, the clone rules and tracing.
 */

/** Where a check came from. */
export type CheckProtocol = "n5g-eir" | "s13" | "radius" | "rlm_rest";

/** A check as a server answered it, before the subscriber is hashed. */
export interface CheckObservation {
  /** The device identifier's registry key, e.g. imei:49015420323751. */
  readonly identifier: string;
  /** SUPI, IMSI or user name as the network sent it; never stored as such. */
  readonly subscriber: string | undefined;
  /** The network that asked: a Diameter realm, an SBI client (sbi:address), a NAS. */
  readonly network: string;
  readonly protocol: CheckProtocol;
  /**
   * The answer given: the equipment status (the device's, per subscriber, or the unknown-device
   * policy's), or UNKNOWN when none was given (an unknown device refused, or let on by RADIUS).
   */
  readonly answer: EquipmentStatus | "UNKNOWN";
  /**
   * Whether the asking peer proved who it is: an N5g-eir request with a verified NRF token, an
   * S13 request from an allow-listed Diameter peer, a RADIUS request with a valid
   * Message-Authenticator, an rlm_rest request with the node's token. Only such checks may move
   * the ledger (clone.suspect) or alert anyone (tracing.alert).
   */
  readonly authenticated: boolean;
}

/** Receives every observation a check leaves. */
export type ObservationSink = (observation: CheckObservation) => void;
