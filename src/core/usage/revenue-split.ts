/**
 * The revenue share: how one billable call's price is divided among the members whose records
 * made its answer. Integer minor units only, so the shares always sum exactly to the price.
 */

/** The share of a call that names no member (its answer used no member's record): the node's. */
export const UNATTRIBUTED = "(node)";

/**
 * Split `price` (minor units, a non-negative integer) among `attribution` (member ids; a
 * repeated id counts once). Each member gets floor(price / n); the remainder, r < n units, goes
 * one unit each to the first r members in ascending id order, so the split is the same on
 * every machine and sums to `price`. No member: the whole price is UNATTRIBUTED's.
 */
export function splitPrice(price: number, attribution: readonly string[]): Map<string, number> {
  if (!Number.isSafeInteger(price) || price < 0) {
    throw new RangeError("A price is a non-negative integer of minor units");
  }
  const members = [...new Set(attribution)].sort();
  if (members.length === 0) return new Map([[UNATTRIBUTED, price]]);
  const base = Math.floor(price / members.length);
  const remainder = price - base * members.length;
  return new Map(members.map((m, i) => [m, base + (i < remainder ? 1 : 0)]));
}

/** One billable call, as the revenue report reads it. */
export interface BilledCall {
  readonly price: number;
  readonly currency: string;
  readonly attribution: readonly string[];
}

/** What one member's records earned, in one currency. */
export interface RevenueLine {
  readonly member: string;
  readonly currency: string;
  readonly calls: number;
  readonly amount: number;
}

/** Sum the split of every call, per member and currency; sorted by member, then currency. */
export function revenueShare(calls: Iterable<BilledCall>): RevenueLine[] {
  const lines = new Map<
    string,
    { member: string; currency: string; calls: number; amount: number }
  >();
  for (const call of calls) {
    for (const [member, amount] of splitPrice(call.price, call.attribution)) {
      const k = `${member}\n${call.currency}`;
      const line = lines.get(k) ?? { member, currency: call.currency, calls: 0, amount: 0 };
      line.calls += 1;
      line.amount += amount;
      lines.set(k, line);
    }
  }
  return [...lines.values()].sort((a, b) =>
    a.member < b.member ? -1 : a.member > b.member ? 1 : a.currency < b.currency ? -1 : 1,
  );
}
