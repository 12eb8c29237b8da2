import type { JsonObject } from "../encoding/canonical-json.js";
import { isError, makeError } from "../errors/devicechain-error.js";
import { writeChain } from "../state/chain.js";
import { Overlay } from "../state/overlay.js";
import { defaultPairingSalt, PAIRING_SALT } from "../state/pairing.js";
import type { StateWrites } from "../state/state.js";
import { writeValidators } from "../state/validator-set.js";
import { allocateTac, parseAllocateTac } from "./actions/allocate-tac.js";
import { admitMember, parseAdmit } from "./actions/member.js";
import { parseSetValidator } from "./actions/validator.js";
import type { TxContext } from "./tx-context.js";

/** The genesis file: the chain id and the first members, at least one of them a regulator. */
export interface Genesis {
  readonly chainId: string;
  /** ISO 8601; the time of block 0, informational. */
  readonly genesisTime: string;
  readonly members: readonly JsonObject[];
  readonly tacs?: readonly JsonObject[];
  /**
   * 32 random bytes in hex: the salt of IMEI–subscriber pairing hashes (docs/CLONES.md). Without
   * it the chain uses defaultPairingSalt(chainId), which anyone can compute.
   */
  readonly pairingSalt?: string;
  /**
   * The consensus validators at genesis, {member, pubKey, power}: the same set as CometBFT's
   * genesis, so that validator.set can change or remove them later. Absent for the embedded engine.
   */
  readonly validators?: readonly JsonObject[];
}

const CHAIN_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Validate a parsed genesis document. */
export function parseGenesis(value: unknown): Genesis {
  const g = value as Partial<Genesis> | null;
  if (typeof g !== "object" || g === null)
    throw makeError("GENESIS_INVALID", "Genesis is a JSON object");
  if (typeof g.chainId !== "string" || !CHAIN_ID.test(g.chainId)) {
    throw makeError("GENESIS_INVALID", "chainId must match [a-z0-9][a-z0-9._-]{0,62}");
  }
  if (typeof g.genesisTime !== "string" || Number.isNaN(Date.parse(g.genesisTime))) {
    throw makeError("GENESIS_INVALID", "genesisTime must be an ISO 8601 time");
  }
  if (!Array.isArray(g.members) || !g.members.some((m) => m?.role === "regulator")) {
    throw makeError("GENESIS_INVALID", "members must include at least one regulator");
  }
  if (
    g.pairingSalt !== undefined &&
    !(typeof g.pairingSalt === "string" && PAIRING_SALT.test(g.pairingSalt))
  ) {
    throw makeError("GENESIS_INVALID", "pairingSalt is 64 lowercase hex digits (32 bytes)");
  }
  if (g.validators !== undefined && !Array.isArray(g.validators))
    throw makeError("GENESIS_INVALID", "validators is an array");
  if (g.tacs !== undefined && !Array.isArray(g.tacs))
    throw makeError("GENESIS_INVALID", "tacs is an array");
  for (const entry of [...g.members, ...(g.tacs ?? []), ...(g.validators ?? [])] as unknown[]) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw makeError("GENESIS_INVALID", "Every member and TAC entry is a JSON object");
    }
  }
  return g as Genesis;
}

/** The state writes of block 0: the chain record, the genesis members and TAC allocations. */
export function initChain(genesis: Genesis): StateWrites {
  const state = new Overlay({ get: () => undefined });
  writeChain(state, {
    chainId: genesis.chainId,
    activeRegulators: 0,
    pairingSalt: genesis.pairingSalt ?? defaultPairingSalt(genesis.chainId),
  });
  const ctx: TxContext = {
    state,
    signer: { id: "genesis", role: "regulator", keyId: "" },
    height: 0,
    time: Date.parse(genesis.genesisTime),
    txHash: "genesis",
    events: [],
  };
  try {
    for (const m of genesis.members) admitMember(ctx, parseAdmit(m));
    for (const t of genesis.tacs ?? []) allocateTac(ctx, parseAllocateTac(t));
    // Genesis validators may belong to members admitted later (the demo admits its operators by
    // transaction), so only their form is checked here.
    const validators = (genesis.validators ?? []).map(parseSetValidator);
    if (validators.length > 0) writeValidators(state, validators);
  } catch (e) {
    if (isError(e))
      throw makeError("GENESIS_INVALID", `Genesis entry refused: ${e.code} ${e.message}`, {
        cause: e,
      });
    throw e;
  }
  return state.writes;
}
