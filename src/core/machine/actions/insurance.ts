/**
 * insurance.settle: an insurer records a settled theft claim and takes the device's title, with
 * the current owner's consent. The consent is a detached Ed25519 signature by the owner's key over
 * `insuranceConsentBytes` (chain, device, insurer, claim, current owner), carried in the params,
 * so an insurer can never take a stolen device's title on its own word, and one consent cannot be
 * spent on another chain, device, insurer, claim or owner. It lives here because the owner's CLI
 * (`devicechain consent insurance`) signs the same bytes the state machine checks.
 */
import { verifyEd25519 } from "../../crypto/ed25519.js";
import { fromBase64Url, utf8 } from "../../encoding/bytes.js";
import { canonicalize, type JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import type { DeviceIdentifier } from "../../identifiers/identifier.js";
import { readChain } from "../../state/chain.js";
import { deviceRef, onlyKeys, REFERENCE, text } from "../../tx/params.js";
import { commitDeviceChange, requireDevice } from "../device-change.js";
import { DEVICE_OPTION, flagText, type TxCliIo, type TxCliValues } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

/** What the owner's consent covers: every field must match at settlement, or it is refused. */
export interface InsuranceConsent {
  readonly chain: string;
  /** The device's primary registry key (its record's id), never an alias. */
  readonly device: string;
  /** The insurer's member key id: the key that signs insurance.settle. */
  readonly insurer: string;
  readonly claim: string;
  /** The current owner's key id: the key that signs the consent. */
  readonly owner: string;
}

/** The domain tag: a consent can never be read as a transaction, a header or an ownership proof. */
const DOMAIN = "devicechain/insurance-consent/v1\n";

/** The exact bytes an owner signs to consent: the domain tag, then the consent's RFC 8785 JSON. */
export function insuranceConsentBytes(c: InsuranceConsent): Uint8Array {
  return utf8(
    DOMAIN +
      canonicalize({
        chain: c.chain,
        claim: c.claim,
        device: c.device,
        insurer: c.insurer,
        owner: c.owner,
      }),
  );
}

/** True if `signature` (base64url) is the owner's consent to exactly this settlement. */
export function verifyInsuranceConsent(c: InsuranceConsent, signature: string): boolean {
  const sig = fromBase64Url(signature);
  return sig !== undefined && verifyEd25519(c.owner, insuranceConsentBytes(c), sig);
}

export interface SettleParams {
  readonly device: DeviceIdentifier;
  /** The insurer's own claim reference: short and printable, never personal data. */
  readonly claim: string;
  /** The owner's consent: an Ed25519 signature, unpadded base64url (86 characters). */
  readonly consent: string;
}

const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

export function parseSettle(p: JsonObject): SettleParams {
  onlyKeys(p, ["device", "claim", "consent"]);
  return {
    device: deviceRef(p),
    claim: text(p, "claim", { max: 64, pattern: REFERENCE }),
    consent: text(p, "consent", { max: 86, pattern: SIGNATURE }),
  };
}

/**
 * Settle a theft claim: the device must be reported stolen (lost is not a theft claim), owned,
 * and never settled before; the owner's consent must name this chain, device, insurer, claim and
 * owner. The insurer becomes the owner; the reports stay, so the device stays BLACKLISTED until
 * it is recovered and the insurer, now its owner, clears the owner's report.
 */
export function settleClaim(ctx: TxContext, p: SettleParams): void {
  const d = requireDevice(ctx, p.device);
  if (d.settlement !== undefined) throw makeError("INSURANCE_ALREADY_SETTLED");
  if (!d.marks.some((m) => m.kind === "stolen")) throw makeError("INSURANCE_NOT_STOLEN");
  if (d.owner === undefined) throw makeError("DEVICE_NOT_SOLD");
  const chain = readChain(ctx.state);
  if (chain === undefined) throw makeError("INTERNAL", "The chain record is missing");
  const consent: InsuranceConsent = {
    chain: chain.chainId,
    device: d.id,
    insurer: ctx.signer.keyId,
    claim: p.claim,
    owner: d.owner,
  };
  if (!verifyInsuranceConsent(consent, p.consent)) throw makeError("INSURANCE_CONSENT_INVALID");
  // The old owner's open offer (made before the theft) goes with the title.
  const { offer: _offer, recovered: _recovered, ...rest } = d;
  commitDeviceChange(
    ctx,
    {
      ...rest,
      owner: ctx.signer.keyId,
      settlement: { insurer: ctx.signer.keyId, claim: p.claim, height: ctx.height },
    },
    "insurance.settle",
  );
}

/** --consent: the signature itself, or the JSON file `devicechain consent insurance --out` wrote. */
function consentFlag(v: TxCliValues, io: TxCliIo): string {
  const value = flagText(v, "consent");
  if (SIGNATURE.test(value)) return value;
  let file: { consent?: unknown } | null;
  try {
    file = JSON.parse(io.readTextFile(value)) as { consent?: unknown } | null;
  } catch (cause) {
    throw makeError("REQUEST_BAD_PARAMS", `${value} is not a consent file`, { cause });
  }
  if (typeof file?.consent !== "string") {
    throw makeError("REQUEST_BAD_PARAMS", `${value} holds no "consent" signature`);
  }
  return file.consent;
}

export const insuranceSettle = defineTx({
  type: "insurance.settle",
  description:
    "An insurer records a settled theft claim on a stolen device and, with the owner's signed consent, takes its title.",
  authorization: {
    insurer:
      "a device reported stolen, never settled before, with its current owner's consent to this insurer and claim",
  },
  parse: parseSettle,
  apply: settleClaim,
  cli: {
    command: "settle-claim",
    summary: "insurer: record a settled theft claim and take the title, with the owner's consent",
    options: [
      DEVICE_OPTION,
      {
        flag: "claim",
        kind: "text",
        arg: "ref",
        required: true,
        description: "your claim reference (1-64 printable characters, no personal data)",
      },
      {
        flag: "consent",
        kind: "text",
        arg: "file|sig",
        required: true,
        description: "the owner's consent: `devicechain consent insurance` output, or its file",
      },
    ],
    params: (v, io) => ({
      device: flagText(v, "device"),
      claim: flagText(v, "claim"),
      consent: consentFlag(v, io),
    }),
  },
});
