import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import type { Device } from "../../state/device.js";
import { MEMBER_ID, readMember } from "../../state/member.js";
import {
  MAX_PAIRINGS,
  PAIRING_HASH,
  type Pairing,
  readPairingDelegation,
  writePairingDelegation,
} from "../../state/pairing.js";
import { deviceRef, onlyKeys, text } from "../../tx/params.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import type { TxContext } from "../tx-context.js";

export interface PairingParams {
  readonly device: DeviceIdentifier;
  /** pairingHash(salt, the device's primary key, subscriber), computed by the signer's client. */
  readonly hash: string;
}

export function parsePairing(p: JsonObject): PairingParams {
  onlyKeys(p, ["device", "hash"]);
  return { device: deviceRef(p), hash: text(p, "hash", { max: 64, pattern: PAIRING_HASH }) };
}

/** The regulator acts on any device; a manufacturer only on its own, and only once delegated. */
function requirePairingAuthority(ctx: TxContext, d: Device): void {
  if (ctx.signer.role === "regulator") return;
  if (
    ctx.signer.role !== "manufacturer" ||
    d.manufacturer !== ctx.signer.id ||
    readPairingDelegation(ctx.state, ctx.signer.id) === undefined
  ) {
    throw makeError("PAIRING_NOT_DELEGATED");
  }
}

/**
 * Record a genuine IMEI–subscriber pairing. From then on a check that carries a subscriber is
 * WHITELISTED for a paired subscriber and BLACKLISTED for any other (state/pairing.ts).
 */
export function addPairing(ctx: TxContext, p: PairingParams): void {
  const d = requireDevice(ctx, p.device);
  requirePairingAuthority(ctx, d);
  if (d.scrapped) throw makeError("DEVICE_SCRAPPED");
  const pairings = d.pairings ?? [];
  if (pairings.some((x) => x.hash === p.hash)) throw makeError("PAIRING_EXISTS");
  if (pairings.length >= MAX_PAIRINGS) throw makeError("PAIRING_LIMIT");
  const pairing: Pairing = { hash: p.hash, by: ctx.signer.id, height: ctx.height };
  commitDeviceChange(ctx, { ...d, pairings: [...pairings, pairing] }, "paired");
}

/** Remove a pairing; the last one gone, checks with a subscriber answer the device's status again. */
export function removePairing(ctx: TxContext, p: PairingParams): void {
  const d = requireDevice(ctx, p.device);
  requirePairingAuthority(ctx, d);
  const pairings = d.pairings ?? [];
  const remaining = pairings.filter((x) => x.hash !== p.hash);
  if (remaining.length === pairings.length) throw makeError("PAIRING_UNKNOWN");
  const { pairings: _pairings, ...rest } = d;
  commitDeviceChange(
    ctx,
    remaining.length === 0 ? rest : { ...rest, pairings: remaining },
    "unpaired",
  );
}

export interface DelegatePairingParams {
  readonly manufacturer: string;
  /** True to withdraw the delegation. */
  readonly revoke: boolean;
}

export function parseDelegatePairing(p: JsonObject): DelegatePairingParams {
  onlyKeys(p, ["manufacturer", "revoke"]);
  if (p.revoke !== undefined && p.revoke !== true) {
    throw makeError("TX_BAD_PARAMS", "revoke is true or absent");
  }
  return {
    manufacturer: text(p, "manufacturer", { max: 63, pattern: MEMBER_ID }),
    revoke: p.revoke === true,
  };
}

/** The regulator lets a manufacturer record and remove pairings on its own devices, or stops it. */
export function delegatePairing(ctx: TxContext, p: DelegatePairingParams): void {
  const m = readMember(ctx.state, p.manufacturer);
  if (!m) throw makeError("MEMBER_UNKNOWN", `No member ${p.manufacturer}`);
  if (m.role !== "manufacturer") {
    throw makeError("TX_BAD_PARAMS", "Pairings are delegated to manufacturers only");
  }
  const current = readPairingDelegation(ctx.state, m.id);
  if ((current !== undefined) !== p.revoke) throw makeError("DELEGATION_UNCHANGED");
  writePairingDelegation(
    ctx.state,
    m.id,
    p.revoke ? undefined : { by: ctx.signer.id, height: ctx.height },
  );
  ctx.events.push({
    type: "member.changed",
    attributes: {
      member: m.id,
      event: p.revoke ? "pairing_delegation_revoked" : "pairing_delegated",
      role: m.role,
    },
  });
}
