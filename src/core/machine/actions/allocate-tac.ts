import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { tacKey } from "../../state/keys.js";
import { MEMBER_ID, readMember } from "../../state/member.js";
import { onlyKeys, text } from "../../tx/params.js";
import { flagText } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

export const MAX_TACS_PER_ALLOCATION = 10_000;

export interface AllocateTacParams {
  readonly manufacturer: string;
  readonly from: string;
  readonly to: string;
}

const TAC = /^\d{8}$/;

export function parseAllocateTac(p: JsonObject): AllocateTacParams {
  onlyKeys(p, ["manufacturer", "from", "to"]);
  const from = text(p, "from", { pattern: TAC });
  const to = p.to === undefined ? from : text(p, "to", { pattern: TAC });
  const count = Number(to) - Number(from) + 1;
  if (count < 1 || count > MAX_TACS_PER_ALLOCATION) {
    throw makeError(
      "TAC_RANGE_INVALID",
      `A range holds 1-${MAX_TACS_PER_ALLOCATION} TACs, not ${count}`,
    );
  }
  return { manufacturer: text(p, "manufacturer", { max: 63, pattern: MEMBER_ID }), from, to };
}

/** The regulator gives a manufacturer a range of Type Allocation Codes, all or none. */
export function allocateTac(ctx: TxContext, p: AllocateTacParams): void {
  const m = readMember(ctx.state, p.manufacturer);
  if (!m) throw makeError("MEMBER_UNKNOWN", `No member ${p.manufacturer}`);
  if (m.role !== "manufacturer") throw makeError("TX_BAD_PARAMS", `${m.id} is not a manufacturer`);
  const first = Number(p.from);
  const last = Number(p.to);
  for (let n = first; n <= last; n++) {
    const tac = String(n).padStart(8, "0");
    if (ctx.state.get(tacKey(tac)) !== undefined) {
      throw makeError("TAC_ALREADY_ALLOCATED", `TAC ${tac} is already allocated`);
    }
    ctx.state.put(tacKey(tac), m.id);
  }
  ctx.events.push({
    type: "tac.allocated",
    attributes: { manufacturer: m.id, from: p.from, to: p.to },
  });
}

/** The manufacturer a TAC is allocated to, if any. */
export function tacHolder(ctx: TxContext, tac: string): string | undefined {
  const v = ctx.state.get(tacKey(tac));
  return typeof v === "string" ? v : undefined;
}

export const tacAllocate = defineTx({
  type: "tac.allocate",
  description:
    "The regulator allocates a range of Type Allocation Codes to a manufacturer, all or none.",
  authorization: { regulator: "to a manufacturer; TACs not yet allocated; at most 10,000" },
  parse: parseAllocateTac,
  apply: allocateTac,
  cli: {
    command: "allocate-tac",
    summary: "regulator: allocate a TAC range to a manufacturer",
    options: [
      {
        flag: "manufacturer",
        kind: "text",
        arg: "id",
        required: true,
        description: "manufacturer member id",
      },
      {
        flag: "from",
        kind: "text",
        arg: "tac",
        required: true,
        description: "first TAC (8 digits)",
      },
      { flag: "to", kind: "text", arg: "tac", required: true, description: "last TAC (8 digits)" },
    ],
    params: (v) => ({
      manufacturer: flagText(v, "manufacturer"),
      from: flagText(v, "from"),
      to: flagText(v, "to"),
    }),
  },
});
