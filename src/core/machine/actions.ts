import type { JsonObject } from "../encoding/canonical-json.js";
import type { TxType } from "../tx/tx-type.js";
import type { Account } from "./account.js";
import { allocateTac, parseAllocateTac } from "./actions/allocate-tac.js";
import { blockDevice, parseBlock, parseUnblock, unblockDevice } from "./actions/block.js";
import { clearClone, parseClearClone, parseSuspectClone, suspectClone } from "./actions/clone.js";
import {
  admitMember,
  parseAdmit,
  parseMemberRef,
  reinstateMember,
  suspendMember,
} from "./actions/member.js";
import {
  addPairing,
  delegatePairing,
  parseDelegatePairing,
  parsePairing,
  removePairing,
} from "./actions/pairing.js";
import { parseRegister, registerDevices } from "./actions/register.js";
import { clearReport, fileReport, parseClearReport, parseFileReport } from "./actions/report.js";
import { parseRotateKey, rotateKey } from "./actions/rotate-key.js";
import { scrapDevice } from "./actions/scrap.js";
import { parseSell, sellDevice } from "./actions/sell.js";
import {
  acceptTransfer,
  cancelTransfer,
  offerTransfer,
  parseDeviceOnly,
  parseOffer,
  parseOfferRef,
} from "./actions/transfer.js";
import { parseSetValidator, setValidator } from "./actions/validator.js";
import type { TxContext } from "./tx-context.js";

/** One transaction type: a pure params parser and a pure apply step. */
export interface ActionDef<P> {
  readonly parse: (params: JsonObject, signer: Account) => P;
  readonly apply: (ctx: TxContext, params: P) => void;
}

const def = <P>(parse: ActionDef<P>["parse"], apply: ActionDef<P>["apply"]): ActionDef<unknown> =>
  ({ parse, apply }) as ActionDef<unknown>;

/** The table the state machine dispatches on. */
export const ACTIONS: Readonly<Record<TxType, ActionDef<unknown>>> = {
  "member.admit": def(parseAdmit, admitMember),
  "member.suspend": def(parseMemberRef, suspendMember),
  "member.reinstate": def(parseMemberRef, reinstateMember),
  "key.rotate": def(parseRotateKey, rotateKey),
  "tac.allocate": def(parseAllocateTac, allocateTac),
  "device.register": def((p, signer) => parseRegister(p, signer.id), registerDevices),
  "device.sell": def(parseSell, sellDevice),
  "transfer.offer": def(parseOffer, offerTransfer),
  "transfer.accept": def(parseOfferRef, acceptTransfer),
  "transfer.cancel": def(parseOfferRef, cancelTransfer),
  "report.file": def(parseFileReport, fileReport),
  "report.clear": def(parseClearReport, clearReport),
  "device.block": def(parseBlock, blockDevice),
  "device.unblock": def(parseUnblock, unblockDevice),
  "device.scrap": def(parseDeviceOnly, scrapDevice),
  "clone.suspect": def(parseSuspectClone, suspectClone),
  "clone.clear": def(parseClearClone, clearClone),
  "pairing.add": def(parsePairing, addPairing),
  "pairing.remove": def(parsePairing, removePairing),
  "pairing.delegate": def(parseDelegatePairing, delegatePairing),
  "validator.set": def(parseSetValidator, setValidator),
};
