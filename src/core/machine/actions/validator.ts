import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { MEMBER_ID, readMember } from "../../state/member.js";
import { readValidators, type Validator, writeValidators } from "../../state/validator-set.js";
import { onlyKeys, text } from "../../tx/params.js";
import type { TxContext } from "../tx-context.js";

export interface SetValidatorParams {
  readonly member: string;
  /** Ed25519 consensus public key, standard base64 of 32 bytes (CometBFT's pub_key.value). */
  readonly pubKey: string;
  /** Voting power; 0 removes the validator. */
  readonly power: number;
}

/** Far below CometBFT's MaxTotalVotingPower (2^60 / 8), whatever the number of validators. */
export const MAX_VALIDATOR_POWER = 1_000_000;
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

export function parseSetValidator(p: JsonObject): SetValidatorParams {
  onlyKeys(p, ["member", "pubKey", "power"]);
  const pubKey = p.pubKey;
  if (
    typeof pubKey !== "string" ||
    !BASE64_32.test(pubKey) ||
    Buffer.from(pubKey, "base64").toString("base64") !== pubKey
  ) {
    throw makeError("TX_BAD_PARAMS", "pubKey is a 32-byte Ed25519 key in standard base64");
  }
  const power = p.power;
  if (
    !Number.isSafeInteger(power) ||
    (power as number) < 0 ||
    (power as number) > MAX_VALIDATOR_POWER
  ) {
    throw makeError("TX_BAD_PARAMS", `power is an integer from 0 to ${MAX_VALIDATOR_POWER}`);
  }
  return {
    member: text(p, "member", { max: 63, pattern: MEMBER_ID }),
    pubKey,
    power: power as number,
  };
}

/**
 * The regulator admits a member's validator key with a voting power, changes its power, or
 * removes it (power 0). The change reaches CometBFT as a ValidatorUpdate of this block.
 */
export function setValidator(ctx: TxContext, p: SetValidatorParams): void {
  const current = readValidators(ctx.state);
  const existing = current.find((v) => v.pubKey === p.pubKey);
  let next: Validator[];
  if (p.power === 0) {
    if (!existing) throw makeError("VALIDATOR_UNKNOWN");
    if (existing.member !== p.member)
      throw makeError("VALIDATOR_UNKNOWN", `That key is ${existing.member}'s`);
    next = current.filter((v) => v.pubKey !== p.pubKey);
    if (next.length === 0) throw makeError("VALIDATOR_SET_EMPTY");
  } else {
    const member = readMember(ctx.state, p.member);
    if (!member) throw makeError("MEMBER_UNKNOWN", `No member ${p.member}`);
    if (member.status === "suspended") throw makeError("MEMBER_SUSPENDED");
    if (existing && existing.member !== p.member) throw makeError("KEY_IN_USE");
    next = [
      ...current.filter((v) => v.pubKey !== p.pubKey),
      { pubKey: p.pubKey, member: p.member, power: p.power },
    ];
  }
  writeValidators(ctx.state, next);
  ctx.events.push({
    type: "validator.updated",
    attributes: { member: p.member, pubKey: p.pubKey, power: String(p.power) },
  });
}
