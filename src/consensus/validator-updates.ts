import type { ValidatorUpdate } from "cosmjs-types/tendermint/abci/types";
import type { TxResult } from "../core/machine/state-machine.js";

/** The validator changes a block's committed transactions made, for FinalizeBlock. */
export function validatorUpdatesOf(_results: readonly TxResult[]): ValidatorUpdate[] {
  return [];
}
