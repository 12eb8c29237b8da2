import type { Device } from "../../core/state/device.js";
import { deviceState } from "../../core/state/device-state.js";
import { type EquipmentStatus, equipmentStatus } from "../../core/state/equipment-status.js";

const STATUSES: readonly EquipmentStatus[] = ["WHITELISTED", "BLACKLISTED", "GREYLISTED"];
const CODE: Readonly<Record<EquipmentStatus, number>> = {
  WHITELISTED: 0,
  BLACKLISTED: 1,
  GREYLISTED: 2,
};
const IMEI_KEY = /^imei:([0-9]{8})([0-9]{6})$/;
const IMEI_KEY_LENGTH = "imei:".length + 14;

/** A paired device's genuine pairings, shared by all its identifier keys. */
export interface IndexedPairings {
  /** The device's primary registry key: what pairing hashes are computed over. */
  readonly deviceId: string;
  readonly hashes: ReadonlySet<string>;
}

/**
 * The EIR answer of every device, by each of its identifiers: the hot path of the node. It is
 * derived from committed device records only (the store updates it in commit, and fills it from
 * verified reads), so it never disagrees with them. IMEIs, nearly all lookups, sit in small-integer
 * maps (TAC, then serial number), which V8 probes without touching a key string.
 */
export class EquipmentIndex {
  private readonly imei = new Map<number, Map<number, number>>();
  private readonly other = new Map<string, number>();
  /** Only devices with pairings, by each identifier key: read only for checks with a subscriber. */
  private readonly paired = new Map<string, IndexedPairings>();

  get(identifierKey: string): EquipmentStatus | undefined {
    // Registry keys are canonical, so an IMEI key is "imei:" and 14 digits: no regex needed here.
    const code =
      identifierKey.length === IMEI_KEY_LENGTH && identifierKey.startsWith("imei:")
        ? this.imei.get(Number(identifierKey.slice(5, 13)))?.get(Number(identifierKey.slice(13)))
        : this.other.get(identifierKey);
    return code === undefined ? undefined : STATUSES[code];
  }

  /** The pairings of the device an identifier key names, if it has any (and is indexed). */
  pairings(identifierKey: string): IndexedPairings | undefined {
    return this.paired.get(identifierKey);
  }

  /** Record a device's current answer under every identifier it has. */
  setDevice(device: Device): EquipmentStatus {
    const status = equipmentStatus(deviceState(device));
    const code = CODE[status];
    const pairings =
      device.pairings !== undefined && device.pairings.length > 0
        ? { deviceId: device.id, hashes: new Set(device.pairings.map((x) => x.hash)) }
        : undefined;
    for (const key of device.ids) {
      if (pairings !== undefined) this.paired.set(key, pairings);
      else if (this.paired.size > 0) this.paired.delete(key);
      const m = IMEI_KEY.exec(key);
      if (!m) {
        this.other.set(key, code);
        continue;
      }
      const tac = Number(m[1]);
      let serials = this.imei.get(tac);
      if (!serials) {
        serials = new Map();
        this.imei.set(tac, serials);
      }
      serials.set(Number(m[2]), code);
    }
    return status;
  }
}
