/**
 * `usage.attest`: a member anchors the digest of one of its node's usage statements on the
 * ledger, so that members can audit one another's revenue (a statement shown later must hash to
 * what was attested). Only the statement's id (no organisation name), month, digest and node key
 * go on the ledger; the statement itself stays between the node and its customer.
 */
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { usageAttestationKey } from "../../state/keys.js";
import { keyId, onlyKeys, text } from "../../tx/params.js";
import { MONTH, nextMonthStart } from "../../usage/usage-month.js";
import { statementDigest, verifyStatement } from "../../usage/usage-statement.js";
import { flagText } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

export interface UsageAttestParams {
  readonly month: string;
  /** The statement's id (32 hex): statementId(nodeKey, org, month). */
  readonly statement: string;
  /** SHA-256 (hex) of the statement's signing bytes (statementDigest). */
  readonly sha256: string;
  /** The node key that signed the statement. */
  readonly nodeKey: string;
}

export function parseUsageAttest(p: JsonObject): UsageAttestParams {
  onlyKeys(p, ["month", "statement", "sha256", "nodeKey"]);
  return {
    month: text(p, "month", { max: 7, pattern: MONTH }),
    statement: text(p, "statement", { max: 32, pattern: /^[0-9a-f]{32}$/ }),
    sha256: text(p, "sha256", { max: 64, pattern: /^[0-9a-f]{64}$/ }),
    nodeKey: keyId(p, "nodeKey"),
  };
}

/** Record the attestation once per member and statement, for a month that has ended. */
export function attestUsage(ctx: TxContext, p: UsageAttestParams): void {
  const member = ctx.signer.member;
  if (!member) throw makeError("ROLE_FORBIDDEN", "Only members attest usage");
  // By block time, which every node shares: a month still running has no final statement.
  if (ctx.time < nextMonthStart(p.month)) {
    throw makeError("USAGE_MONTH_OPEN", `${p.month} has not ended at this block's time`);
  }
  const key = usageAttestationKey(member.id, p.statement);
  if (ctx.state.get(key) !== undefined) throw makeError("USAGE_ALREADY_ATTESTED");
  ctx.state.put(key, {
    member: member.id,
    month: p.month,
    statement: p.statement,
    sha256: p.sha256,
    nodeKey: p.nodeKey,
    height: ctx.height,
    txHash: ctx.txHash,
  });
  ctx.events.push({
    type: "usage.attested",
    attributes: { member: member.id, month: p.month, statement: p.statement, sha256: p.sha256 },
  });
}

const OWN_STATEMENT = "its own node's statement, of a month that has ended, once";

export const usageAttest = defineTx({
  type: "usage.attest",
  description:
    "A member anchors the SHA-256 of its node's signed usage statement for an ended month, once.",
  authorization: {
    regulator: OWN_STATEMENT,
    operator: OWN_STATEMENT,
    manufacturer: OWN_STATEMENT,
    law_enforcement: OWN_STATEMENT,
    retailer: OWN_STATEMENT,
    marketplace: OWN_STATEMENT,
    insurer: OWN_STATEMENT,
  },
  parse: parseUsageAttest,
  apply: attestUsage,
  cli: {
    command: "attest-usage",
    summary: "anchor a signed usage statement's hash (from `access statement --json`)",
    options: [
      {
        flag: "statement",
        kind: "text",
        arg: "file",
        required: true,
        description: "the signed statement (JSON); it is verified before anything is signed",
      },
    ],
    params: (v, io) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(io.readTextFile(flagText(v, "statement")));
      } catch (cause) {
        throw makeError("STATEMENT_MALFORMED", "--statement is not a readable JSON file", {
          cause,
        });
      }
      const { statement } = verifyStatement(parsed);
      return {
        month: statement.month,
        statement: statement.id,
        sha256: statementDigest(statement),
        nodeKey: statement.nodeKey,
      };
    },
  },
});
