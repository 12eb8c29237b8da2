import type { JsonObject } from "../encoding/canonical-json.js";
import type { Role } from "../state/role.js";
import type { Account } from "./account.js";
import type { TxCli } from "./tx-cli.js";
import type { TxContext } from "./tx-context.js";

/**
 * A row of the authorisation matrix: each role that may sign the type, with the condition it must
 * also meet. A role not listed is refused with ROLE_FORBIDDEN before any state is read; the
 * conditions are checked by `apply`, each with its own error code.
 */
export type Authorization = Readonly<Partial<Record<Role, string>>>;

/**
 * Everything there is to know about one transaction type, in its own module under actions/.
 * registry.ts lists them; the state machine's dispatch, the authorisation matrix,
 * docs/AUTHORIZATION.md, the CLI's `tx` commands and the OpenAPI enum are derived from that list.
 */
export interface TxDefinition<T extends string = string, P = unknown> {
  /** The name on the wire, `family.verb`. Adding or renaming one is a consensus change. */
  readonly type: T;
  /** One line: what a committed transaction of this type does. */
  readonly description: string;
  readonly authorization: Authorization;
  /** Pure: the signed params, checked and typed, or TX_BAD_PARAMS. Runs at admission and in blocks. */
  readonly parse: (params: JsonObject, signer: Account) => P;
  /** Pure: check the row's conditions against the state and write the change through ctx. */
  readonly apply: (ctx: TxContext, params: P) => void;
  readonly cli: TxCli;
}

/**
 * A definition whose parse and apply agree on their params type, erased for the registry (which
 * only ever hands apply what parse returned).
 */
export function defineTx<T extends string, P>(definition: TxDefinition<T, P>): TxDefinition<T> {
  return definition as unknown as TxDefinition<T>;
}
