import type { Role } from "../state/role.js";
import type { TxType } from "../tx/tx-type.js";

/**
 * The authorisation matrix: for each transaction type, the roles that may sign it and the
 * condition each must also meet. A role not listed is refused with ROLE_FORBIDDEN before any
 * state is read; the conditions are checked by the action, each with its own error code.
 * docs/AUTHORIZATION.md is generated from this table (scripts/render-authorization.mjs).
 */
export const AUTHORIZATION: Readonly<Record<TxType, Readonly<Partial<Record<Role, string>>>>> = {
  "member.admit": { regulator: "any role, a fresh id and an unused key" },
  "member.suspend": { regulator: "not the last active regulator" },
  "member.reinstate": { regulator: "the member is suspended" },
  "key.rotate": {
    regulator: "its own key",
    operator: "its own key",
    manufacturer: "its own key",
    law_enforcement: "its own key",
    retailer: "its own key",
    marketplace: "its own key",
    insurer: "its own key",
  },
  "tac.allocate": { regulator: "to a manufacturer; TACs not yet allocated; at most 10,000" },
  "device.register": { manufacturer: "IMEIs only under its own TACs; identifiers not taken" },
  "device.sell": {
    manufacturer: "a device it registered, not yet sold, not reported",
    retailer: "a device not yet sold, not reported",
  },
  "transfer.offer": { owner: "its own device, not reported, blocked or scrapped" },
  "transfer.accept": {
    owner: "the open offer addressed to its key, named by its id; device not reported",
  },
  "transfer.cancel": { owner: "its own device's open offer, named by its id" },
  "report.file": {
    owner: "its own device: lost or stolen",
    law_enforcement: "stolen, with a case reference",
    operator: "lost or stolen, on behalf of a subscriber, with a reference",
  },
  "report.clear": {
    owner: "its own marks",
    law_enforcement: "its own marks",
    operator: "its own marks",
    regulator: "any mark (all, or those of one reporter)",
  },
  "device.block": { regulator: "a device not already blocked" },
  "device.unblock": { regulator: "a blocked device" },
  "device.scrap": {
    owner: "its own device",
    manufacturer: "a device it registered that was never sold",
  },
  "clone.suspect": {
    operator: "a device not scrapped; one open suspicion per operator, with an evidence hash",
  },
  "clone.clear": { regulator: "a device with open clone suspicions" },
  "pairing.add": {
    regulator: "any device not scrapped; at most 8 pairings",
    manufacturer: "a device it registered, once the regulator delegated pairings to it",
  },
  "pairing.remove": {
    regulator: "an existing pairing",
    manufacturer: "an existing pairing on a device it registered, while delegated",
  },
  "pairing.delegate": { regulator: "to a manufacturer, or revoke it" },
  "validator.set": {
    regulator: "an active member's consensus key with a power; power 0 removes it, never the last",
  },
};

/** True if the role may sign the type at all. */
export function roleMaySign(type: TxType, role: Role): boolean {
  return AUTHORIZATION[type][role] !== undefined;
}
