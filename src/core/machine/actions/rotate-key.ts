import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { keyHolderKey } from "../../state/keys.js";
import { memberIdForKey, writeMember } from "../../state/member.js";
import { keyId, onlyKeys } from "../../tx/params.js";
import { publicKeyFlag } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

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

export const keyRotate = defineTx({
  type: "key.rotate",
  description: "A member replaces its own key; the old key stops signing in the same block.",
  authorization: {
    regulator: "its own key",
    operator: "its own key",
    manufacturer: "its own key",
    law_enforcement: "its own key",
    retailer: "its own key",
    marketplace: "its own key",
    insurer: "its own key",
  },
  parse: parseRotateKey,
  apply: rotateKey,
  cli: {
    command: "rotate-key",
    summary: "a member replaces its own key (sign with the old one)",
    options: [
      {
        flag: "new-key",
        kind: "text",
        arg: "file|keyid",
        required: true,
        description: "the new key: key file or key id",
      },
    ],
    params: (v, io) => ({ newKey: publicKeyFlag(v, "new-key", io) }),
  },
});
