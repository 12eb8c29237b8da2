/** What a server reports about each check it answered, for the node's observation log. */

/** Where a check came from. */
export type CheckProtocol = "n5g-eir" | "s13" | "radius" | "rlm_rest";

/** A check as a server answered it, before the subscriber is hashed. */
export interface CheckObservation {
  /** The device identifier's registry key, e.g. imei:490154203237518. */
  readonly identifier: string;
  /** SUPI, IMSI or user name as the network sent it; never stored as such. */
  readonly subscriber: string | undefined;
  /** The network that asked: a PLMN or Diameter realm, an SBI client, a NAS. */
  readonly network: string;
  readonly protocol: CheckProtocol;
  /** The answer given: an equipment status, UNKNOWN, accept or reject. */
  readonly answer: string;
  /**
   * Whether the asking peer proved who it is: an N5g-eir request with a verified NRF token, an
   * S13 request from an allow-listed Diameter peer, a RADIUS request with a valid
   * Message-Authenticator, an rlm_rest request with the node's token. Only such checks may move
   * the ledger (clone.suspect) or alert anyone (tracing.alert).
   */
  readonly authenticated: boolean;
}
