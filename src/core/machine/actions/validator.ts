import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { MEMBER_ID, readMember } from "../../state/member.js";
import { readValidators, type Validator, writeValidators } from "../../state/validator-set.js";
import { onlyKeys, text } from "../../tx/params.js";
import { flagText, type TxCliIo } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

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

/**
 * A consensus public key: CometBFT's base64 pub_key value, or a JSON file holding one (what
 * `cometbft show-validator` printed, or a local node's priv_validator_key.json, of which only
 * pub_key is read).
 */
function consensusKeyOf(value: string, io: TxCliIo): string {
  if (BASE64_32.test(value)) return value;
  let parsed: { pub_key?: { type?: string; value?: unknown }; type?: string; value?: unknown };
  try {
    parsed = JSON.parse(io.readTextFile(value));
  } catch (cause) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      `--pub-key ${value} is neither a base64 Ed25519 key nor a readable JSON key file`,
      { cause },
    );
  }
  const key = parsed.pub_key ?? parsed;
  if (typeof key.value !== "string" || !/ed25519/i.test(String(key.type ?? ""))) {
    throw makeError("REQUEST_BAD_PARAMS", `${value} holds no Ed25519 pub_key`);
  }
  return key.value;
}

function powerOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw makeError("REQUEST_BAD_PARAMS", "--power is a whole number (0 removes the validator)");
  }
  return n;
}

export const validatorSet = defineTx({
  type: "validator.set",
  description:
    "The regulator adds a member's validator key with a voting power, changes it, or removes it (0).",
  authorization: {
    regulator: "an active member's consensus key with a power; power 0 removes it, never the last",
  },
  parse: parseSetValidator,
  apply: setValidator,
  cli: {
    command: "set-validator",
    summary: "regulator: add a member's validator, change its power, or remove it (--power 0)",
    options: [
      {
        flag: "member",
        kind: "text",
        arg: "id",
        required: true,
        description: "the member who runs the validator",
      },
      {
        flag: "pub-key",
        kind: "text",
        arg: "base64|file",
        required: true,
        description:
          "its consensus public key: base64, or a file with `cometbft show-validator` output (or a local node's priv_validator_key.json, of which only pub_key is read)",
      },
      {
        flag: "power",
        kind: "text",
        arg: "n",
        required: true,
        description: "voting power; 0 removes the validator",
      },
    ],
    params: (v, io) => ({
      member: flagText(v, "member"),
      pubKey: consensusKeyOf(flagText(v, "pub-key"), io),
      power: powerOf(flagText(v, "power")),
    }),
  },
});
