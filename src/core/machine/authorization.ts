import type { Role } from "../state/role.js";
import { TX_TYPES, type TxType } from "../tx/tx-type.js";
import { txDefinition } from "./registry.js";
import type { Authorization } from "./tx-definition.js";

/**
 * The authorisation matrix: for each transaction type, the roles that may sign it and the
 * condition each must also meet, gathered from the definitions' rows (registry.ts). A role not
 * listed is refused with ROLE_FORBIDDEN before any state is read; the conditions are checked by
 * the action, each with its own error code. docs/AUTHORIZATION.md is generated from it
 * (scripts/render-authorization.mjs).
 */
export const AUTHORIZATION: Readonly<Record<TxType, Authorization>> = Object.fromEntries(
  TX_TYPES.map((type) => [type, txDefinition(type).authorization]),
) as Record<TxType, Authorization>;

/** True if the role may sign the type at all. */
export function roleMaySign(type: TxType, role: Role): boolean {
  return AUTHORIZATION[type][role] !== undefined;
}
