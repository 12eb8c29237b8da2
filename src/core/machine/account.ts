import { type Member, memberIdForKey, readMember } from "../state/member.js";
import type { Role } from "../state/role.js";
import type { StateReader } from "../state/state.js";

/** Who signed: a member, or an owner known only by key. (Nonces are kept per key, see nonceKey.) */
export interface Account {
  /** A member id, or "owner:<keyId>". */
  readonly id: string;
  readonly role: Role;
  readonly keyId: string;
  readonly member?: Member;
}

export const ownerAccountId = (keyId: string): string => `owner:${keyId}`;

/** The account behind a key: its member if a member holds it, otherwise an owner. */
export function resolveAccount(state: StateReader, keyId: string): Account {
  const memberId = memberIdForKey(state, keyId);
  const member = memberId === undefined ? undefined : readMember(state, memberId);
  if (member) return { id: member.id, role: member.role, keyId, member };
  return { id: ownerAccountId(keyId), role: "owner", keyId };
}
