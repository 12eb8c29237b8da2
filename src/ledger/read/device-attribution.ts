import { isError } from "../../core/errors/devicechain-error.js";
import type { Device } from "../../core/state/device.js";
import type { LedgerReads } from "./ledger-reads.js";

/** Owners report as "owner:<key>": they are no member and earn no share. */
const OWNER_ACCOUNT = "owner:";

/**
 * The members whose records a device holds, for the revenue share of an answer about it: the
 * manufacturer that registered it, the reporters of its marks, the regulator that blocked it, the
 * operators that suspect a clone and the members that recorded its pairings. As their current key
 * ids (request.attribution's contract, servers/access/access-context.ts), each once, in that order.
 */
export function deviceAttribution(reads: LedgerReads, device: Device): string[] {
  const members = [
    device.manufacturer,
    ...device.marks.map((m) => m.by),
    ...(device.block ? [device.block.by] : []),
    ...(device.suspicions ?? []).map((s) => s.by),
    ...(device.pairings ?? []).map((p) => p.by),
  ];
  const keys: string[] = [];
  for (const id of new Set(members)) {
    if (id.startsWith(OWNER_ACCOUNT)) continue;
    try {
      keys.push(reads.member(id).key);
    } catch (e) {
      if (!isError(e, "MEMBER_UNKNOWN")) throw e;
    }
  }
  return keys;
}
