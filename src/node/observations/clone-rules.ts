import type { Observation } from "./observation-log.js";

/** A rule that fired, with the observations that made it fire (kept locally as evidence). */
export interface CloneFinding {
  readonly rule: string;
  readonly evidence: readonly Observation[];
}

/** The thresholds; docs/CLONES.md ("Detection rules") explains each and its false positives. */
export const CLONE_RULES = {
  /** A subscriber change back and forth (A→B→A) within this long: one device cannot. */
  alternatingWindowMs: 10 * 60_000,
  /** Two networks of different countries (MCC) within this long: no journey is that fast. */
  travelWindowMs: 60 * 60_000,
} as const;

/** The MCC of a network named by a 3GPP realm (…mncXXX.mccYYY.3gppnetwork.org), if it is one. */
export function mccOf(network: string): string | undefined {
  return /(?:^|\.)mcc(\d{3})\.3gppnetwork\.org$/i.exec(network)?.[1];
}

/**
 * Check a device's recent observations (oldest first, the latest last) against the rules.
 * Pure: the same observations give the same finding.
 */
export function detectClone(recent: readonly Observation[]): CloneFinding | undefined {
  const latest = recent.at(-1);
  // Neither rule can fire on a check with no subscriber and no country: the common case costs
  // no scan of the device's history.
  if (!latest || (latest.subscriberHash === "" && mccOf(latest.network) === undefined)) {
    return undefined;
  }
  const alternating = recent.filter(
    (o) => o.subscriberHash !== "" && latest.time - o.time <= CLONE_RULES.alternatingWindowMs,
  );
  // Count switches between consecutive subscribers: two switches with a return (A→B→A) is more
  // than a SIM swap.
  let switches = 0;
  const seen = new Set<string>();
  let returned = false;
  for (let i = 0; i < alternating.length; i += 1) {
    const o = alternating[i] as Observation;
    const prev = alternating[i - 1];
    if (prev && prev.subscriberHash !== o.subscriberHash) {
      switches += 1;
      if (seen.has(o.subscriberHash)) returned = true;
    }
    seen.add(o.subscriberHash);
  }
  if (switches >= 2 && returned) {
    return { rule: "alternating-subscribers", evidence: alternating };
  }
  const latestMcc = mccOf(latest.network);
  if (latestMcc !== undefined) {
    const far = recent.filter(
      (o) =>
        latest.time - o.time <= CLONE_RULES.travelWindowMs &&
        mccOf(o.network) !== undefined &&
        mccOf(o.network) !== latestMcc,
    );
    if (far.length > 0) return { rule: "impossible-travel", evidence: [...far, latest] };
  }
  return undefined;
}
