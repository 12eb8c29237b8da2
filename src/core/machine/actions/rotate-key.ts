import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { keyHolderKey } from "../../state/keys.js";
import { memberIdForKey, writeMember } from "../../state/member.js";
import { keyId, onlyKeys } from "../../tx/params.js";
import type { TxContext } from "../tx-context.js";

export interface RotateKeyParams {
  readonly newKey: string;
}

export function parseRotateKey(p: JsonObject): RotateKeyParams {
  onlyKeys(p, ["newKey"]);
  return { newKey: keyId(p, "newKey") };
}

/** A member replaces its own key; the old key stops working in the same block. */
export function rotateKey(ctx: TxContext, p: RotateKeyParams): void {
  const member = ctx.signer.member;
  if (!member) throw makeError("ROLE_FORBIDDEN", "Only members rotate keys");
  if (memberIdForKey(ctx.state, p.newKey) !== undefined || p.newKey === member.key) {
    throw makeError("KEY_IN_USE");
  }
  ctx.state.delete(keyHolderKey(member.key));
  writeMember(ctx.state, { ...member, key: p.newKey });
  ctx.events.push({
    type: "member.changed",
    attributes: { member: member.id, event: "key_rotated", role: member.role },
  });
}
