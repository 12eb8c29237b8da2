/** Member roles admitted by the regulator, plus "owner": anyone holding a key that is no member's. */
export const MEMBER_ROLES = [
  "regulator",
  "operator",
  "manufacturer",
  "law_enforcement",
  "retailer",
  "marketplace",
  "insurer",
] as const;

export type MemberRole = (typeof MEMBER_ROLES)[number];
export type Role = MemberRole | "owner";

const memberRoles = new Set<string>(MEMBER_ROLES);

export function isMemberRole(s: unknown): s is MemberRole {
  return typeof s === "string" && memberRoles.has(s);
}
