import { Counter, Gauge, type Registry } from "prom-client";

/** Counters of the RADIUS server and the rlm_rest endpoint, in the node's registry. */
export interface RadiusMetrics {
  /** Answers by interface (radius, rlm_rest) and answer (accept, reject). */
  readonly checks: Counter<"via" | "answer">;
  /** Accounting-Requests by Acct-Status-Type name. */
  readonly accounting: Counter<"status">;
  /** Datagrams dropped unanswered, by reason. */
  readonly dropped: Counter<"reason">;
  /** Disconnect-Requests by outcome: ack, nak, gave_up; and retransmissions. */
  readonly disconnects: Counter<"result">;
  readonly sessions: Gauge;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** The RADIUS metrics in a registry, created once: the server and the endpoint share them. */
export function radiusMetrics(registry: Registry): RadiusMetrics {
  const sessionsName = "devicechain_radius_sessions";
  const sessions =
    (registry.getSingleMetric(sessionsName) as Gauge | undefined) ??
    new Gauge({
      name: sessionsName,
      help: "Active RADIUS sessions known from accounting.",
      registers: [registry],
    });
  return {
    checks: counter(
      registry,
      "devicechain_radius_checks_total",
      "RADIUS and rlm_rest device checks by interface and answer.",
      ["via", "answer"],
    ),
    accounting: counter(
      registry,
      "devicechain_radius_accounting_total",
      "Accounting-Requests answered, by Acct-Status-Type.",
      ["status"],
    ),
    dropped: counter(
      registry,
      "devicechain_radius_dropped_total",
      "RADIUS datagrams dropped without an answer, by reason.",
      ["reason"],
    ),
    disconnects: counter(
      registry,
      "devicechain_radius_disconnects_total",
      "RFC 5176 Disconnect-Requests by outcome (ack, nak, gave_up, retransmitted).",
      ["result"],
    ),
    sessions,
  };
}
