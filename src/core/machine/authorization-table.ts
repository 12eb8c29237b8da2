import { MEMBER_ROLES, type Role } from "../state/role.js";
import { TX_DEFINITIONS } from "./registry.js";

const ROLES: readonly Role[] = [...MEMBER_ROLES, "owner"];

/**
 * The generated part of docs/AUTHORIZATION.md, from the registry: what each type does and its CLI
 * command, the matrix (✔ where a role may sign), and the condition of each allowed role.
 */
export function renderAuthorizationTable(): string {
  const types = TX_DEFINITIONS.map(
    (d) => `| \`${d.type}\` | \`tx ${d.cli.command}\` | ${d.description} |`,
  );
  const head = `| transaction | ${ROLES.join(" | ")} |`;
  const rule = `|---|${ROLES.map(() => ":-:").join("|")}|`;
  const rows = TX_DEFINITIONS.map((d) => {
    const cells = ROLES.map((role) => (d.authorization[role] === undefined ? "" : "✔"));
    return `| \`${d.type}\` | ${cells.join(" | ")} |`;
  });
  const conditions = TX_DEFINITIONS.flatMap((d) =>
    Object.entries(d.authorization).map(
      ([role, cond]) => `- \`${d.type}\` by **${role}**: ${cond}`,
    ),
  );
  return [
    "| transaction | CLI | what it does |",
    "|---|---|---|",
    ...types,
    "",
    head,
    rule,
    ...rows,
    "",
    "Conditions each allowed role must also meet:",
    "",
    ...conditions,
  ].join("\n");
}
