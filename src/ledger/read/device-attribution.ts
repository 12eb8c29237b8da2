import type { Device } from "../../core/state/device.js";

/** Owners act as "owner:<key>": they are no member and earn no share. */
const OWNER_ACCOUNT = "owner:";

/**
 * The members whose records made an answer about a device, for the revenue share of paid access
 * (request.attribution, servers/access/access-context.ts): the manufacturer that registered it,
 * the members behind its marks, its block, its clone suspicions and its pairings, the insurer that
 * settled a claim on it, and any `more` (a check report adds the members its history names). As
 * member ids, each once, first seen first: a member's share survives a rotation of its key.
 *
 * `memberOfKey` names the member holding a key (the insurer is recorded by its key id).
 */
export function deviceAttribution(
  device: Device,
  memberOfKey: (keyId: string) => string | undefined,
  more: readonly (string | undefined)[] = [],
): string[] {
  const members = new Set<string>([device.manufacturer]);
  const add = (id: string | undefined): void => {
    if (id !== undefined && !id.startsWith(OWNER_ACCOUNT)) members.add(id);
  };
  for (const id of more) add(id);
  for (const m of device.marks) add(m.by);
  add(device.block?.by);
  for (const s of device.suspicions ?? []) add(s.by);
  for (const p of device.pairings ?? []) add(p.by);
  if (device.settlement) add(memberOfKey(device.settlement.insurer));
  return [...members];
}
