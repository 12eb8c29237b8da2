import type { HeldPairings } from "../../core/check/equipment-check.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { readChain } from "../../core/state/chain.js";
import { findDevice } from "../../core/state/device.js";
import type { EquipmentStatus } from "../../core/state/equipment-status.js";
import { pairingSaltOf } from "../../core/state/pairing.js";
import { isDeviceRecord, type LedgerStore } from "../storage/ledger-store.js";

/**
 * What the EIR answer (core/check/equipment-check.ts) needs from the ledger, by identifier key,
 * from committed state. Served from the store's equipment index; a key the index has not seen is
 * looked up in the verified state once and indexed, so a tampered record is refused
 * (LEDGER_CORRUPT) rather than answered.
 */
export class EquipmentReads {
  private salt: Uint8Array | undefined;

  constructor(private readonly store: LedgerStore) {}

  /** The status of the device an identifier key names, or undefined if the registry does not hold it. */
  status(identifierKey: string): EquipmentStatus | undefined {
    const index = this.store.equipment;
    const status = index.get(identifierKey);
    if (status !== undefined) return status;
    const device = findDevice(this.store, identifierKey);
    if (device === undefined || !isDeviceRecord(device)) return undefined;
    return index.setDevice(device);
  }

  /**
   * The genuine pairings of the device an identifier key names, with the chain's salt; undefined
   * if it has none. Call status first: it indexes a device the index has not seen.
   */
  pairings(identifierKey: string): HeldPairings | undefined {
    const p = this.store.equipment.pairings(identifierKey);
    return p === undefined
      ? undefined
      : { deviceId: p.deviceId, hashes: p.hashes, salt: this.pairingSalt() };
  }

  /** The chain's pairing salt; fixed at genesis, so read once. */
  private pairingSalt(): Uint8Array {
    if (this.salt === undefined) {
      const chain = readChain(this.store);
      if (!chain) {
        throw makeError("LEDGER_CORRUPT", "A device is paired but there is no chain record");
      }
      this.salt = pairingSaltOf(chain);
    }
    return this.salt;
  }
}
