import { makeError } from "../errors/devicechain-error.js";
import type { TxType } from "../tx/tx-type.js";
import { tacAllocate } from "./actions/allocate-tac.js";
import { rootAdd, rootRemove } from "./actions/attestation-root.js";
import { deviceBlock, deviceUnblock } from "./actions/block.js";
import { cloneClear, cloneSuspect } from "./actions/clone.js";
import { deviceKeySet } from "./actions/device-key.js";
import { insuranceSettle } from "./actions/insurance.js";
import { memberAdmit, memberReinstate, memberSuspend } from "./actions/member.js";
import { pairingAdd, pairingDelegate, pairingRemove } from "./actions/pairing.js";
import { deviceRegister } from "./actions/register.js";
import { reportClear, reportFile } from "./actions/report.js";
import { keyRotate } from "./actions/rotate-key.js";
import { deviceScrap } from "./actions/scrap.js";
import { deviceSell } from "./actions/sell.js";
import { transferAccept, transferCancel, transferOffer } from "./actions/transfer.js";
import { usageAttest } from "./actions/usage-attest.js";
import { validatorSet } from "./actions/validator.js";
import type { TxDefinition } from "./tx-definition.js";

/**
 * Every transaction type the ledger knows, one definition each (actions/<family>.ts), in the
 * order the docs and the CLI list them. Everything else is derived from this list: the type
 * names (tx/tx-type.ts), the state machine's dispatch, the authorisation matrix
 * (authorization.ts), docs/AUTHORIZATION.md, the CLI's `tx` commands and the OpenAPI enum.
 * Adding a type is a consensus change: its module, its line here.
 */
export const TX_DEFINITIONS = [
  memberAdmit,
  memberSuspend,
  memberReinstate,
  keyRotate,
  tacAllocate,
  deviceRegister,
  deviceKeySet,
  rootAdd,
  rootRemove,
  deviceSell,
  transferOffer,
  transferAccept,
  transferCancel,
  reportFile,
  reportClear,
  insuranceSettle,
  deviceBlock,
  deviceUnblock,
  deviceScrap,
  cloneSuspect,
  cloneClear,
  pairingAdd,
  pairingRemove,
  pairingDelegate,
  validatorSet,
  usageAttest,
] as const;

const byType: ReadonlyMap<string, TxDefinition<TxType>> = new Map(
  TX_DEFINITIONS.map((d) => [d.type, d]),
);

/** The definition of a type; decoding has checked the name, so a miss is a bug. */
export function txDefinition(type: TxType): TxDefinition<TxType> {
  const d = byType.get(type);
  if (d === undefined) throw makeError("INTERNAL", `No definition for transaction type ${type}`);
  return d;
}
