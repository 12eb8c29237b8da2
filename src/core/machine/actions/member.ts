/**
 * member.admit, member.suspend and member.reinstate: one family, because the three govern the
 * member list together and share its lookup and the count of active regulators that keeps the
 * last one from being suspended.
 */
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { readChain, writeChain } from "../../state/chain.js";
import {
  MEMBER_ID,
  type Member,
  memberIdForKey,
  readMember,
  writeMember,
} from "../../state/member.js";
import { isMemberRole, MEMBER_ROLES, type MemberRole } from "../../state/role.js";
import { keyId, onlyKeys, text } from "../../tx/params.js";
import { flagText, publicKeyFlag, type TxCliOption, type TxCliValues } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

export interface AdmitParams {
  readonly id: string;
  readonly role: MemberRole;
  readonly name: string;
  readonly key: string;
}

export function parseAdmit(p: JsonObject): AdmitParams {
  onlyKeys(p, ["id", "role", "name", "key"]);
  if (!isMemberRole(p.role)) throw makeError("TX_BAD_PARAMS", "role must be a member role");
  return {
    id: text(p, "id", { max: 63, pattern: MEMBER_ID }),
    role: p.role,
    name: text(p, "name", { max: 128 }),
    key: keyId(p, "key"),
  };
}

/** The regulator admits a member under a fresh id and an unused key. */
export function admitMember(ctx: TxContext, p: AdmitParams): void {
  if (readMember(ctx.state, p.id)) throw makeError("MEMBER_EXISTS");
  if (memberIdForKey(ctx.state, p.key) !== undefined) throw makeError("KEY_IN_USE");
  writeMember(ctx.state, { ...p, status: "active", admittedAt: ctx.height });
  if (p.role === "regulator") adjustRegulators(ctx, +1);
  ctx.events.push({
    type: "member.changed",
    attributes: { member: p.id, event: "admitted", role: p.role },
  });
}

export interface MemberRefParams {
  readonly id: string;
}

export function parseMemberRef(p: JsonObject): MemberRefParams {
  onlyKeys(p, ["id"]);
  return { id: text(p, "id", { max: 63, pattern: MEMBER_ID }) };
}

function requireMember(ctx: TxContext, id: string): Member {
  const m = readMember(ctx.state, id);
  if (!m) throw makeError("MEMBER_UNKNOWN", `No member ${id}`);
  return m;
}

function adjustRegulators(ctx: TxContext, delta: number): void {
  const chain = readChain(ctx.state);
  if (!chain) throw makeError("INTERNAL", "The chain record is missing");
  writeChain(ctx.state, { ...chain, activeRegulators: chain.activeRegulators + delta });
}

/** The regulator suspends a member; a suspended member can sign nothing. */
export function suspendMember(ctx: TxContext, p: MemberRefParams): void {
  const m = requireMember(ctx, p.id);
  if (m.status === "suspended") throw makeError("MEMBER_SUSPENDED", "Already suspended");
  if (m.role === "regulator") {
    if ((readChain(ctx.state)?.activeRegulators ?? 0) <= 1) throw makeError("MEMBER_IS_REGULATOR");
    adjustRegulators(ctx, -1);
  }
  writeMember(ctx.state, { ...m, status: "suspended" });
  ctx.events.push({
    type: "member.changed",
    attributes: { member: m.id, event: "suspended", role: m.role },
  });
}

/** The regulator reinstates a suspended member. */
export function reinstateMember(ctx: TxContext, p: MemberRefParams): void {
  const m = requireMember(ctx, p.id);
  if (m.status !== "suspended") throw makeError("MEMBER_NOT_SUSPENDED");
  if (m.role === "regulator") adjustRegulators(ctx, +1);
  writeMember(ctx.state, { ...m, status: "active" });
  ctx.events.push({
    type: "member.changed",
    attributes: { member: m.id, event: "reinstated", role: m.role },
  });
}

const memberIdOption: TxCliOption = {
  flag: "id",
  kind: "text",
  arg: "id",
  required: true,
  description: "member id",
};
const memberRefParams = (v: TxCliValues) => ({ id: flagText(v, "id") });

export const memberAdmit = defineTx({
  type: "member.admit",
  description: "The regulator admits a member, with a role, under a fresh id and an unused key.",
  authorization: { regulator: "any role, a fresh id and an unused key" },
  parse: parseAdmit,
  apply: admitMember,
  cli: {
    command: "admit",
    summary: "regulator: admit a member",
    options: [
      { ...memberIdOption, description: "member id, e.g. operator-c" },
      {
        flag: "role",
        kind: "text",
        arg: "role",
        required: true,
        description: "role",
        choices: MEMBER_ROLES,
      },
      {
        flag: "name",
        kind: "text",
        arg: "name",
        required: true,
        description: "display name (no personal data)",
      },
      {
        flag: "member-key",
        kind: "text",
        arg: "file|keyid",
        required: true,
        description: "the member's public key: its key file or key id",
      },
    ],
    params: (v, io) => ({
      id: flagText(v, "id"),
      role: flagText(v, "role"),
      name: flagText(v, "name"),
      key: publicKeyFlag(v, "member-key", io),
    }),
  },
});

export const memberSuspend = defineTx({
  type: "member.suspend",
  description: "The regulator suspends a member, who then signs nothing.",
  authorization: { regulator: "not the last active regulator" },
  parse: parseMemberRef,
  apply: suspendMember,
  cli: {
    command: "suspend",
    summary: "regulator: suspend a member",
    options: [memberIdOption],
    params: memberRefParams,
  },
});

export const memberReinstate = defineTx({
  type: "member.reinstate",
  description: "The regulator reinstates a suspended member.",
  authorization: { regulator: "the member is suspended" },
  parse: parseMemberRef,
  apply: reinstateMember,
  cli: {
    command: "reinstate",
    summary: "regulator: reinstate a suspended member",
    options: [memberIdOption],
    params: memberRefParams,
  },
});
