import { makeError } from "../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../identifiers/identifier.js";
import { findDevice } from "../state/device.js";
import type { StateReader } from "../state/state.js";
import type { DecodedTx } from "../tx/transaction.js";
import { type Account, resolveAccount } from "./account.js";
import { txDefinition } from "./registry.js";
import { checkChain, checkNonce, checkRole, checkStanding } from "./verify.js";

/**
 * The checks a mempool runs before spending a signature verification on a transaction: chain,
 * nonce, standing, role, parameters and the outsider rule, against the state the mempool admits
 * against. `inFlight` counts the signer's transactions still being verified, whose nonces the
 * state does not show yet. The whole transaction is simulated once its signature verifies.
 */
export function precheckTx(
  state: StateReader,
  chainId: string,
  d: DecodedTx,
  inFlight = 0,
): Account {
  checkChain(d, chainId);
  const account = resolveAccount(state, d.tx.body.signer);
  checkNonce(state, d, account, inFlight);
  checkStanding(account);
  checkRole(d, account);
  checkOutsider(state, d, account, txDefinition(d.tx.body.type).parse(d.tx.body.params, account));
  return account;
}

/**
 * The mempool's rule for keys the ledger holds no account for: a key that is not a member may
 * sign only about a device it owns, or accept the offer addressed to it. Checked before the
 * signature is verified, so spam from fresh keys costs a lookup, not a verification. Never
 * consensus: a block still runs every transaction through the whole pipeline.
 */
export function checkOutsider(
  state: StateReader,
  d: DecodedTx,
  account: Account,
  params: unknown,
): void {
  if (account.member) return;
  const ref = (params as { device?: DeviceIdentifier }).device;
  const device = ref === undefined ? undefined : findDevice(state, ref.key);
  if (device?.owner === account.keyId) return;
  if (d.tx.body.type === "transfer.accept" && device?.offer?.to === account.keyId) return;
  throw makeError("ACCOUNT_UNKNOWN");
}
