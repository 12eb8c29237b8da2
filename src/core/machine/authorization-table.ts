import { MEMBER_ROLES, type Role } from "../state/role.js";
import { TX_TYPES } from "../tx/tx-type.js";
import { AUTHORIZATION } from "./authorization.js";

const ROLES: readonly Role[] = [...MEMBER_ROLES, "owner"];

/** The authorisation matrix as a Markdown table: ✔ where a role may sign, with its condition. */
export function renderAuthorizationTable(): string {
  const head = `| transaction | ${ROLES.join(" | ")} |`;
  const rule = `|---|${ROLES.map(() => ":-:").join("|")}|`;
  const rows = TX_TYPES.map((type) => {
    const cells = ROLES.map((role) => (AUTHORIZATION[type][role] === undefined ? "" : "✔"));
    return `| \`${type}\` | ${cells.join(" | ")} |`;
  });
  const conditions = TX_TYPES.flatMap((type) =>
    Object.entries(AUTHORIZATION[type]).map(
      ([role, cond]) => `- \`${type}\` by **${role}**: ${cond}`,
    ),
  );
  return [
    head,
    rule,
    ...rows,
    "",
    "Conditions each allowed role must also meet:",
    "",
    ...conditions,
  ].join("\n");
}
