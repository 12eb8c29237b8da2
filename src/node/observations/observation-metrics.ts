import { Counter, type Registry } from "prom-client";
import type { CheckProtocol } from "../../servers/check-observation.js";

/** Counts one answered check by protocol and whether its peer was authenticated. */
export type CountCheck = (protocol: CheckProtocol, authenticated: boolean) => void;

/**
 * Every answered check by protocol and whether its peer was authenticated. The labelled children
 * are kept: a check costs an increment, not a label lookup (S13 answers some 100,000 a second).
 */
export function observationCounter(registry: Registry): CountCheck {
  const counter = new Counter({
    name: "devicechain_checks_observed_total",
    help: "Checks answered on N5g-eir, S13, RADIUS and rlm_rest, by protocol and whether the peer was authenticated (only those feed clone detection and tracing).",
    labelNames: ["protocol", "authenticated"] as const,
    registers: [registry],
  });
  const children = new Map<string, { inc: () => void }>();
  return (protocol, authenticated) => {
    const key = authenticated ? `${protocol}+` : protocol;
    let child = children.get(key);
    if (!child) {
      child = counter.labels(protocol, String(authenticated));
      children.set(key, child);
    }
    child.inc();
  };
}
