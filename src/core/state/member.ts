import type { Json } from "../encoding/canonical-json.js";
import { keyHolderKey, memberKey } from "./keys.js";
import type { MemberRole } from "./role.js";
import type { StateReader, StateWriter } from "./state.js";

export type MemberStatus = "active" | "suspended";

/** A consortium member as stored on the ledger. No personal data: a display name at most. */
export interface Member {
  readonly id: string;
  readonly role: MemberRole;
  readonly name: string;
  /** Current Ed25519 public key id. */
  readonly key: string;
  readonly status: MemberStatus;
  readonly admittedAt: number;
}

export const MEMBER_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function readMember(state: StateReader, id: string): Member | undefined {
  return state.get(memberKey(id)) as unknown as Member | undefined;
}

export function writeMember(state: StateWriter, member: Member): void {
  state.put(memberKey(member.id), member as unknown as Json);
  state.put(keyHolderKey(member.key), member.id);
}

/** The member holding a key, if any. */
export function memberIdForKey(state: StateReader, keyId: string): string | undefined {
  const v = state.get(keyHolderKey(keyId));
  return typeof v === "string" ? v : undefined;
}
