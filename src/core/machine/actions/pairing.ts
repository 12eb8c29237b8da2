/**
 * pairing.add, pairing.remove and pairing.delegate: one family, because the delegation decides
 * who besides the regulator may add and remove pairings, and add and remove share that check
 * and their CLI flags.
 */
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import type { Device } from "../../state/device.js";
import { MEMBER_ID, readMember } from "../../state/member.js";
import {
  MAX_PAIRINGS,
  PAIRING_HASH,
  type Pairing,
  pairingHash,
  pairingSaltOf,
  readPairingDelegation,
  writePairingDelegation,
} from "../../state/pairing.js";
import { deviceRef, onlyKeys, text } from "../../tx/params.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import { parseGenesis } from "../genesis.js";
import {
  DEVICE_OPTION,
  flagText,
  type TxCliIo,
  type TxCliOption,
  type TxCliValues,
} from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

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

/**
 * The pairing hash of --device and --subscriber, computed on the signer's machine so the
 * subscriber never leaves it: over the device's primary key (asked of the node) with the salt of
 * --genesis, whose chain must be the node's. Or --hash, computed elsewhere.
 */
async function pairingParams(v: TxCliValues, io: TxCliIo): Promise<JsonObject> {
  const deviceArg = flagText(v, "device");
  if (v.hash !== undefined) {
    if (v.subscriber !== undefined)
      throw makeError("REQUEST_BAD_PARAMS", "Give --hash or --subscriber, not both");
    return { device: deviceArg, hash: flagText(v, "hash") };
  }
  if (v.subscriber === undefined || v.genesis === undefined) {
    throw makeError("REQUEST_BAD_PARAMS", "Give --subscriber and --genesis (or --hash)");
  }
  const genesis = parseGenesis(JSON.parse(io.readTextFile(flagText(v, "genesis"))));
  const chainId = await io.chainId();
  if (genesis.chainId !== chainId) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      `--genesis is for ${genesis.chainId}, the node runs ${chainId}`,
    );
  }
  const salt = pairingSaltOf({
    chainId,
    activeRegulators: 0,
    ...(genesis.pairingSalt === undefined ? {} : { pairingSalt: genesis.pairingSalt }),
  });
  const id = await io.devicePrimaryKey(deviceArg);
  return { device: deviceArg, hash: pairingHash(salt, id, flagText(v, "subscriber")) };
}

const pairingOptions: readonly TxCliOption[] = [
  DEVICE_OPTION,
  {
    flag: "subscriber",
    kind: "text",
    arg: "supi|imsi|user",
    description: "the genuine subscriber: imsi-…, a bare IMSI or a user name",
  },
  {
    flag: "genesis",
    kind: "text",
    arg: "file",
    description: "the chain's genesis.json, for its pairing salt (with --subscriber)",
  },
  {
    flag: "hash",
    kind: "text",
    arg: "hex",
    description: "the pairing hash, if computed elsewhere",
  },
];

export const pairingAdd = defineTx({
  type: "pairing.add",
  description:
    "Record a genuine IMEI–subscriber pairing: checks naming another subscriber answer BLACKLISTED.",
  authorization: {
    regulator: "any device not scrapped; at most 8 pairings",
    manufacturer: "a device it registered, once the regulator delegated pairings to it",
  },
  parse: parsePairing,
  apply: addPairing,
  cli: {
    command: "pair",
    summary: "regulator or delegated manufacturer: record a genuine IMEI–subscriber pairing",
    options: pairingOptions,
    params: pairingParams,
  },
});

export const pairingRemove = defineTx({
  type: "pairing.remove",
  description:
    "Remove a pairing; with none left, a check with a subscriber answers the device's status.",
  authorization: {
    regulator: "an existing pairing",
    manufacturer: "an existing pairing on a device it registered, while delegated",
  },
  parse: parsePairing,
  apply: removePairing,
  cli: {
    command: "unpair",
    summary: "regulator or delegated manufacturer: remove a pairing",
    options: pairingOptions,
    params: pairingParams,
  },
});

export const pairingDelegate = defineTx({
  type: "pairing.delegate",
  description: "The regulator lets a manufacturer pair its own devices, or revokes that.",
  authorization: { regulator: "to a manufacturer, or revoke it" },
  parse: parseDelegatePairing,
  apply: delegatePairing,
  cli: {
    command: "delegate-pairing",
    summary: "regulator: let a manufacturer pair its own devices (or --revoke)",
    options: [
      {
        flag: "manufacturer",
        kind: "text",
        arg: "id",
        required: true,
        description: "manufacturer member id",
      },
      { flag: "revoke", kind: "switch", description: "withdraw the delegation" },
    ],
    params: (v) => ({
      manufacturer: flagText(v, "manufacturer"),
      ...(v.revoke === undefined ? {} : { revoke: true }),
    }),
  },
});
