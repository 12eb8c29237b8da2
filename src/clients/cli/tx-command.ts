import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { isKeyId } from "../../core/crypto/ed25519.js";
import { sha256 } from "../../core/crypto/hash.js";
import { toHex } from "../../core/encoding/bytes.js";
import type { JsonObject } from "../../core/encoding/canonical-json.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { parseGenesis } from "../../core/machine/genesis.js";
import { pairingHash, pairingSaltOf } from "../../core/state/pairing.js";
import { MEMBER_ROLES } from "../../core/state/role.js";
import type { TxType } from "../../core/tx/tx-type.js";
import { readKeyFile } from "../../node/key-file.js";
import type { NodeClient } from "../sdk/node-client.js";
import { sendTx } from "../sdk/tx-builder.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { run } from "./run-action.js";

type Opts = Record<string, string | string[] | undefined>;

interface TxCommandDef {
  readonly name: string;
  readonly type: TxType;
  readonly description: string;
  readonly options: readonly Option[];
  /** The params; the client is there for those computed from the node's state (pairings). */
  readonly params: (o: Opts, client: NodeClient) => JsonObject | Promise<JsonObject>;
}

const req = (flags: string, description: string): Option =>
  new Option(flags, description).makeOptionMandatory();
const opt = (flags: string, description: string): Option => new Option(flags, description);
const str = (o: Opts, k: string): string => String(o[k]);
const optional = (o: Opts, k: string, as = k): JsonObject =>
  o[k] === undefined ? {} : { [as]: str(o, k) };

/** A public key given as a key id, or as a key file whose public half is used. */
function keyIdOf(value: string): string {
  return isKeyId(value) ? value : readKeyFile(value).keyId;
}

const device = (): Option => req("--device <id>", "the device, by any identifier");
const offerId = (): Option =>
  req("--offer <id>", "the offer's id (its transaction's hash; `devicechain device` shows it)");
/** Accept and cancel name the offer they answer, so a signature cannot answer a later offer. */
const offerRef = (o: Opts): JsonObject => ({ device: str(o, "device"), offer: str(o, "offer") });

/**
 * The pairing hash of --device and --subscriber, computed here so the subscriber never leaves this
 * machine: over the device's primary key (asked of the node) with the salt of --genesis, whose
 * chain must be the node's. Or --hash, computed elsewhere.
 */
async function pairingParams(o: Opts, client: NodeClient): Promise<JsonObject> {
  const deviceArg = str(o, "device");
  if (o.hash !== undefined) {
    if (o.subscriber !== undefined)
      throw makeError("REQUEST_BAD_PARAMS", "Give --hash or --subscriber, not both");
    return { device: deviceArg, hash: str(o, "hash") };
  }
  if (o.subscriber === undefined || o.genesis === undefined) {
    throw makeError("REQUEST_BAD_PARAMS", "Give --subscriber and --genesis (or --hash)");
  }
  const genesis = parseGenesis(JSON.parse(readFileSync(str(o, "genesis"), "utf8")));
  const { chainId } = await client.status();
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
  const { id } = await client.device(deviceArg);
  return { device: deviceArg, hash: pairingHash(salt, id, str(o, "subscriber")) };
}

const pairingOptions = (): Option[] => [
  device(),
  opt(
    "--subscriber <supi|imsi|user>",
    "the genuine subscriber: imsi-…, a bare IMSI or a user name",
  ),
  opt("--genesis <file>", "the chain's genesis.json, for its pairing salt (with --subscriber)"),
  opt("--hash <hex>", "the pairing hash, if computed elsewhere"),
];

/** SHA-256 of a local evidence file: only the hash goes on the ledger. */
function evidenceOf(o: Opts): string {
  if ((o.evidence === undefined) === (o.evidenceFile === undefined)) {
    throw makeError("REQUEST_BAD_PARAMS", "Give one of --evidence and --evidence-file");
  }
  return o.evidence !== undefined
    ? str(o, "evidence")
    : toHex(sha256(new Uint8Array(readFileSync(str(o, "evidenceFile")))));
}

/**
 * A consensus public key: CometBFT's base64 pub_key value, or a JSON file holding one (what
 * `cometbft show-validator` printed, or a local node's priv_validator_key.json, of which only
 * pub_key is read).
 */
function consensusKeyOf(value: string): string {
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return value;
  let parsed: { pub_key?: { type?: string; value?: unknown }; type?: string; value?: unknown };
  try {
    parsed = JSON.parse(readFileSync(value, "utf8"));
  } catch (cause) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      `--pub-key ${value} is neither a base64 Ed25519 key nor a readable JSON key file`,
      { cause },
    );
  }
  const key = parsed.pub_key ?? parsed;
  if (typeof key.value !== "string" || !/ed25519/i.test(String(key.type ?? ""))) {
    throw makeError("REQUEST_BAD_PARAMS", `${value} holds no Ed25519 pub_key`);
  }
  return key.value;
}

function powerOf(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw makeError("REQUEST_BAD_PARAMS", "--power is a whole number (0 removes the validator)");
  }
  return n;
}

const TX_COMMANDS: readonly TxCommandDef[] = [
  {
    name: "admit",
    type: "member.admit",
    description: "regulator: admit a member",
    options: [
      req("--id <id>", "member id, e.g. operator-c"),
      req("--role <role>", "role").choices(MEMBER_ROLES),
      req("--name <name>", "display name (no personal data)"),
      req("--member-key <file|keyid>", "the member's public key: its key file or key id"),
    ],
    params: (o) => ({
      id: str(o, "id"),
      role: str(o, "role"),
      name: str(o, "name"),
      key: keyIdOf(str(o, "memberKey")),
    }),
  },
  {
    name: "suspend",
    type: "member.suspend",
    description: "regulator: suspend a member",
    options: [req("--id <id>", "member id")],
    params: (o) => ({ id: str(o, "id") }),
  },
  {
    name: "reinstate",
    type: "member.reinstate",
    description: "regulator: reinstate a suspended member",
    options: [req("--id <id>", "member id")],
    params: (o) => ({ id: str(o, "id") }),
  },
  {
    name: "rotate-key",
    type: "key.rotate",
    description: "a member replaces its own key (sign with the old one)",
    options: [req("--new-key <file|keyid>", "the new key: key file or key id")],
    params: (o) => ({ newKey: keyIdOf(str(o, "newKey")) }),
  },
  {
    name: "allocate-tac",
    type: "tac.allocate",
    description: "regulator: allocate a TAC range to a manufacturer",
    options: [
      req("--manufacturer <id>", "manufacturer member id"),
      req("--from <tac>", "first TAC (8 digits)"),
      req("--to <tac>", "last TAC (8 digits)"),
    ],
    params: (o) => ({
      manufacturer: str(o, "manufacturer"),
      from: str(o, "from"),
      to: str(o, "to"),
    }),
  },
  {
    name: "register",
    type: "device.register",
    description: "manufacturer: register one device (use `import` for many)",
    options: [
      req("--device <id...>", "its identifiers (IMEI, second IMEI, MAC, …)"),
      opt("--serial <serial>", "its serial number"),
      opt("--device-key <keyid>", "the public key in its secure element"),
    ],
    params: (o) => {
      const ids = o.device as string[];
      return {
        devices: [
          {
            ids,
            ...optional(o, "serial"),
            ...(o.deviceKey === undefined ? {} : { key: str(o, "deviceKey") }),
          },
        ],
      };
    },
  },
  {
    name: "sell",
    type: "device.sell",
    description: "retailer or manufacturer: first sale to an owner's key",
    options: [device(), req("--owner <file|keyid>", "the buyer's public key")],
    params: (o) => ({ device: str(o, "device"), owner: keyIdOf(str(o, "owner")) }),
  },
  {
    name: "offer",
    type: "transfer.offer",
    description: "owner: offer the device to a buyer's key",
    options: [device(), req("--to <file|keyid>", "the buyer's public key")],
    params: (o) => ({ device: str(o, "device"), to: keyIdOf(str(o, "to")) }),
  },
  {
    name: "accept",
    type: "transfer.accept",
    description: "buyer: accept the offer made to your key, named by its id",
    options: [device(), offerId()],
    params: offerRef,
  },
  {
    name: "cancel-offer",
    type: "transfer.cancel",
    description: "owner: withdraw the open offer, named by its id",
    options: [device(), offerId()],
    params: offerRef,
  },
  {
    name: "report",
    type: "report.file",
    description: "owner, operator or law enforcement: report lost or stolen",
    options: [
      device(),
      req("--kind <kind>", "lost or stolen").choices(["lost", "stolen"]),
      opt("--reference <ref>", "case or subscriber reference (required for police and operators)"),
    ],
    params: (o) => ({
      device: str(o, "device"),
      kind: str(o, "kind"),
      ...optional(o, "reference"),
    }),
  },
  {
    name: "clear",
    type: "report.clear",
    description: "clear your own report (regulator: anyone's)",
    options: [device(), opt("--by <account>", "regulator: clear only this reporter's marks")],
    params: (o) => ({ device: str(o, "device"), ...optional(o, "by") }),
  },
  {
    name: "block",
    type: "device.block",
    description: "regulator: block a device",
    options: [
      device(),
      req("--reason <reason>", "why").choices(["counterfeit", "fraud", "other"]),
      opt("--reference <ref>", "case reference"),
    ],
    params: (o) => ({
      device: str(o, "device"),
      reason: str(o, "reason"),
      ...optional(o, "reference"),
    }),
  },
  {
    name: "unblock",
    type: "device.unblock",
    description: "regulator: lift a block",
    options: [device()],
    params: (o) => ({ device: str(o, "device") }),
  },
  {
    name: "scrap",
    type: "device.scrap",
    description: "owner (or the manufacturer of an unsold device): scrap it",
    options: [device()],
    params: (o) => ({ device: str(o, "device") }),
  },
  {
    name: "suspect-clone",
    type: "clone.suspect",
    description: "operator: report a clone suspicion (the device is greylisted)",
    options: [
      device(),
      req("--rule <name>", "the detection rule that fired, e.g. imei-multi-subscriber"),
      opt("--evidence <sha256>", "SHA-256 (hex) of the evidence kept locally"),
      opt("--evidence-file <file>", "the local evidence file: only its SHA-256 is sent"),
    ],
    params: (o) => ({ device: str(o, "device"), rule: str(o, "rule"), evidence: evidenceOf(o) }),
  },
  {
    name: "clear-clone",
    type: "clone.clear",
    description: "regulator: close a clone case (pairings stay)",
    options: [device()],
    params: (o) => ({ device: str(o, "device") }),
  },
  {
    name: "pair",
    type: "pairing.add",
    description: "regulator or delegated manufacturer: record a genuine IMEI–subscriber pairing",
    options: pairingOptions(),
    params: pairingParams,
  },
  {
    name: "unpair",
    type: "pairing.remove",
    description: "regulator or delegated manufacturer: remove a pairing",
    options: pairingOptions(),
    params: pairingParams,
  },
  {
    name: "set-validator",
    type: "validator.set",
    description: "regulator: add a member's validator, change its power, or remove it (--power 0)",
    options: [
      req("--member <id>", "the member who runs the validator"),
      req(
        "--pub-key <base64|file>",
        "its consensus public key: base64, or a file with `cometbft show-validator` output (or a local node's priv_validator_key.json, of which only pub_key is read)",
      ),
      req("--power <n>", "voting power; 0 removes the validator"),
    ],
    params: (o) => ({
      member: str(o, "member"),
      pubKey: consensusKeyOf(str(o, "pubKey")),
      power: powerOf(str(o, "power")),
    }),
  },
  {
    name: "delegate-pairing",
    type: "pairing.delegate",
    description: "regulator: let a manufacturer pair its own devices (or --revoke)",
    options: [
      req("--manufacturer <id>", "manufacturer member id"),
      new Option("--revoke", "withdraw the delegation"),
    ],
    params: (o) => ({
      manufacturer: str(o, "manufacturer"),
      ...(o.revoke === undefined ? {} : { revoke: true }),
    }),
  },
];

function parseNonce(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw makeError("REQUEST_BAD_PARAMS", "--nonce is a positive integer");
  return n;
}

/** `tx <name>` for every transaction type: signed locally with --key, sent to --node. */
export function txCommand(program: Command): void {
  const tx = program.command("tx").description("sign a transaction locally and submit it");
  for (const def of TX_COMMANDS) {
    const cmd = tx.command(def.name).description(`${def.description} (${def.type})`);
    for (const o of def.options) cmd.addOption(o);
    cmd.requiredOption("--key <file>", "your key file: the transaction is signed with it, locally");
    cmd.option("--nonce <n>", "nonce to use (default: the node's next nonce for your key)");
    withNodeOption(cmd).action(
      run(async (opts: Opts & NodeOptions & { key: string; nonce?: string; json: boolean }) => {
        const signer = readKeyFile(opts.key);
        const params = await def.params(opts, clientFor(opts));
        const nonce = parseNonce(opts.nonce);
        const r = await sendTx(
          clientFor(opts),
          signer,
          def.type,
          params,
          nonce === undefined ? {} : { nonce },
        );
        print(opts.json, r, () => `committed ${def.type} at height ${r.height}\ntx ${r.hash}`);
      }),
    );
  }
}
