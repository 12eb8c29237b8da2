import { Counter, type Registry } from "prom-client";

/** Every answered check by protocol and whether its peer was authenticated. */
export function observationCounter(registry: Registry): Counter<"protocol" | "authenticated"> {
  return new Counter({
    name: "devicechain_checks_observed_total",
    help: "Checks answered on N5g-eir, S13, RADIUS and rlm_rest, by protocol and whether the peer was authenticated (only those feed clone detection and tracing).",
    labelNames: ["protocol", "authenticated"] as const,
    registers: [registry],
  });
}
