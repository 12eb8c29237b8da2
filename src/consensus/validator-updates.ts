import type { ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import type { JsonObject } from "../core/encoding/canonical-json.js";
import { makeError } from "../core/errors/devicechain-error.js";
import type { TxResult } from "../core/machine/state-machine.js";

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/**
 * The validator changes a block's committed transactions made (validator.set), for
 * FinalizeBlock. CometBFT refuses two updates of one key in a block, so the last one wins, in
 * the order the keys first appear: deterministic on every node.
 */
export function validatorUpdatesOf(results: readonly TxResult[]): ValidatorUpdate[] {
  const byKey = new Map<string, bigint>();
  for (const r of results) {
    if (r.code !== 0) continue;
    for (const e of r.events) {
      if (e.type !== "validator.updated") continue;
      const { pubKey, power } = e.attributes;
      if (pubKey === undefined || power === undefined) continue;
      byKey.set(pubKey, BigInt(power));
    }
  }
  return [...byKey].map(([pubKey, power]) => ({
    pubKey: { ed25519: new Uint8Array(Buffer.from(pubKey, "base64")) },
    power,
  }));
}

/**
 * InitChain: CometBFT's genesis validators must be the ones the ledger's genesis records, or
 * a later validator.set would change a set the ledger does not know.
 */
export function checkGenesisValidators(
  fromCometbft: readonly ValidatorUpdate[],
  fromLedger: readonly JsonObject[] | undefined,
): void {
  if (fromLedger === undefined) return;
  const key = (pubKey: string, power: bigint | number): string => `${pubKey}:${power}`;
  const a = fromCometbft.map((v) => key(b64(v.pubKey.ed25519 ?? new Uint8Array()), v.power)).sort();
  const b = fromLedger.map((v) => key(String(v.pubKey), Number(v.power))).sort();
  if (a.join(",") !== b.join(",")) {
    throw makeError(
      "GENESIS_INVALID",
      "The validators of CometBFT's genesis differ from app_state.validators",
    );
  }
}
