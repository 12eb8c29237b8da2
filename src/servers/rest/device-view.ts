import type { Device, Mark } from "../../core/state/device.js";
import { type DeviceState, deviceState } from "../../core/state/device-state.js";
import { type EquipmentStatus, equipmentStatus } from "../../core/state/equipment-status.js";
import { keyFingerprint } from "../../core/state/fingerprint.js";

/** A device as the API shows it: owners appear only as key fingerprints. */
export interface DeviceView {
  readonly id: string;
  readonly ids: readonly string[];
  readonly state: DeviceState;
  readonly equipmentStatus: EquipmentStatus;
  readonly manufacturer: string;
  readonly ownerFingerprint?: string;
  readonly deviceKey?: string;
  readonly marks: readonly MarkView[];
  readonly block?: Device["block"];
  /** The open offer; its id (the offer transaction's hash) is what accept and cancel name. */
  readonly offer?: { readonly id: string; readonly toFingerprint: string; readonly height: number };
  /** Open clone suspicions: operator, rule, evidence hash and height. */
  readonly suspicions?: Device["suspicions"];
  /** How many genuine IMEI–subscriber pairings the device has; the hashes are not shown. */
  readonly pairings: number;
  /** A settled theft claim: the insurer (a member's key id, public) holds the title. */
  readonly settlement?: Device["settlement"];
  readonly historyLength: number;
}

interface MarkView extends Omit<Mark, "by"> {
  /** A member id, or the reporting owner's key fingerprint. */
  readonly by: string;
}

const OWNER = "owner:";

/** Owner accounts are shown by fingerprint, members by id. */
function accountLabel(account: string): string {
  return account.startsWith(OWNER)
    ? `owner:${keyFingerprint(account.slice(OWNER.length))}`
    : account;
}

export function deviceView(d: Device): DeviceView {
  const state = deviceState(d);
  return {
    id: d.id,
    ids: d.ids,
    state,
    equipmentStatus: equipmentStatus(state),
    manufacturer: d.manufacturer,
    ...(d.owner === undefined ? {} : { ownerFingerprint: keyFingerprint(d.owner) }),
    ...(d.deviceKey === undefined ? {} : { deviceKey: d.deviceKey }),
    marks: d.marks.map((m) => ({ ...m, by: accountLabel(m.by) })),
    ...(d.block === undefined ? {} : { block: d.block }),
    ...(d.offer === undefined
      ? {}
      : {
          offer: {
            id: d.offer.tx,
            toFingerprint: keyFingerprint(d.offer.to),
            height: d.offer.height,
          },
        }),
    ...(d.suspicions === undefined ? {} : { suspicions: d.suspicions }),
    pairings: d.pairings?.length ?? 0,
    ...(d.settlement === undefined ? {} : { settlement: d.settlement }),
    historyLength: d.history.length,
  };
}
