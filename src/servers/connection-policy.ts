import type { Socket } from "node:net";
import { Counter, Gauge, type Registry } from "prom-client";
import { normalizeAddress } from "./remote-address.js";

/**
 * How long a peer may hold a TCP connection without making progress, and how many it may hold.
 * One policy serves every TCP port of the node: the API port (REST, and N5g-eir over HTTP/1.1 and
 * h2c) and S13. Each deadline closes the connection and is counted with its reason.
 */
export interface ConnectionPolicy {
  /** A new connection that sends nothing (or, on h2c, not its whole preface) is closed. */
  readonly firstByteTimeoutMs: number;
  /** HTTP/1.1: a request's headers must be complete this long after its first byte. */
  readonly headersTimeoutMs: number;
  /** A whole request (HTTP/1.1, an h2c stream's request, a Diameter message) must arrive in this. */
  readonly requestTimeoutMs: number;
  /** HTTP: a keep-alive connection, or an h2c session with no open stream, idle this long is closed. */
  readonly idleTimeoutMs: number;
  /** Connections one remote address may hold open on one port; more are closed at once. */
  readonly maxConnectionsPerAddress: number;
  /** h2c SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond it are refused. */
  readonly http2MaxConcurrentStreams: number;
  /** The memory an h2c session may use (nghttp2's buffers) before new streams are refused. */
  readonly http2MaxSessionMemoryMb: number;
  /** h2c SETTINGS_MAX_HEADER_LIST_SIZE: the largest header list a request may send. */
  readonly http2MaxHeaderListBytes: number;
  /** Diameter Tw (RFC 3539 §3.4.1): a DWR after this long without a message; no answer in as long again closes. */
  readonly diameterWatchdogMs: number;
}

export const DEFAULT_CONNECTION_POLICY: ConnectionPolicy = {
  firstByteTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxConnectionsPerAddress: 256,
  // RFC 9113 §6.5.2 recommends no less than 100, so that parallelism is not needlessly limited.
  http2MaxConcurrentStreams: 100,
  http2MaxSessionMemoryMb: 10,
  // The same bound as Node's HTTP/1.1 header limit.
  http2MaxHeaderListBytes: 16 * 1024,
  // RFC 3539 §3.4.1: Tw defaults to 30 s.
  diameterWatchdogMs: 30_000,
};

/** The policy's fields out of a larger settings object (the node's configuration). */
export function connectionPolicyOf(s: ConnectionPolicy): ConnectionPolicy {
  return {
    firstByteTimeoutMs: s.firstByteTimeoutMs,
    headersTimeoutMs: s.headersTimeoutMs,
    requestTimeoutMs: s.requestTimeoutMs,
    idleTimeoutMs: s.idleTimeoutMs,
    maxConnectionsPerAddress: s.maxConnectionsPerAddress,
    http2MaxConcurrentStreams: s.http2MaxConcurrentStreams,
    http2MaxSessionMemoryMb: s.http2MaxSessionMemoryMb,
    http2MaxHeaderListBytes: s.http2MaxHeaderListBytes,
    diameterWatchdogMs: s.diameterWatchdogMs,
  };
}

/** A sentence saying why the settings cannot work together, or undefined when they can. */
export function connectionPolicyProblem(s: ConnectionPolicy): string | undefined {
  // Node's HTTP server refuses a header deadline later than the whole request's.
  if (s.headersTimeoutMs > s.requestTimeoutMs) {
    return `"headersTimeoutMs" (${s.headersTimeoutMs}) must not exceed "requestTimeoutMs" (${s.requestTimeoutMs})`;
  }
  return undefined;
}

/** The TCP services that follow the policy, as the metrics label them. */
export type ConnectionProtocol = "http" | "s13";

/** Why the node closed a connection. */
export type CloseReason =
  | "first_byte"
  | "preface"
  | "header"
  | "request"
  | "idle"
  | "per_address_cap"
  | "watchdog"
  | "unsupported_version"
  | "framing";

/** The policy's counters in the node's registry. */
export interface ConnectionMetrics {
  readonly closed: Counter<"protocol" | "reason">;
  readonly open: Gauge<"protocol">;
}

/** The connection metrics in a registry, created once: every server shares them. */
export function connectionMetrics(registry: Registry): ConnectionMetrics {
  const closedName = "devicechain_connections_closed_total";
  const openName = "devicechain_connections_open";
  return {
    closed:
      (registry.getSingleMetric(closedName) as Counter<"protocol" | "reason"> | undefined) ??
      new Counter({
        name: closedName,
        help: "Connections the node closed under its connection policy, by protocol and reason.",
        labelNames: ["protocol", "reason"] as const,
        registers: [registry],
      }),
    open:
      (registry.getSingleMetric(openName) as Gauge<"protocol"> | undefined) ??
      new Gauge({
        name: openName,
        help: "TCP connections open, by protocol.",
        labelNames: ["protocol"] as const,
        registers: [registry],
      }),
  };
}

/** An IPv4 peer seen on a dual-stack socket is the same peer as over IPv4. */
const addressKey = (address: string | undefined): string =>
  address === undefined ? "unknown" : normalizeAddress(address);

/**
 * The open connections of one port, counted per remote address: admits a new socket or closes
 * it at once, keeps the open gauge, and closes with a counted reason.
 */
export class ConnectionTracker {
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly protocol: ConnectionProtocol,
    private readonly maxPerAddress: number,
    private readonly metrics: ConnectionMetrics,
  ) {}

  /** Count a new connection, or destroy it when its address is at the cap; true when admitted. */
  admit(socket: Socket): boolean {
    const key = addressKey(socket.remoteAddress);
    const n = this.perAddress.get(key) ?? 0;
    if (n >= this.maxPerAddress) {
      this.metrics.closed.inc({ protocol: this.protocol, reason: "per_address_cap" });
      socket.destroy();
      return false;
    }
    this.perAddress.set(key, n + 1);
    this.metrics.open.inc({ protocol: this.protocol });
    socket.once("close", () => {
      const left = (this.perAddress.get(key) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(key);
      else this.perAddress.set(key, left);
      this.metrics.open.dec({ protocol: this.protocol });
    });
    return true;
  }

  /** Count a close for `reason`; the caller closes the connection its own way. */
  count(reason: CloseReason): void {
    this.metrics.closed.inc({ protocol: this.protocol, reason });
  }

  /** Destroy a connection for `reason`, counted. */
  close(socket: Socket, reason: CloseReason): void {
    this.count(reason);
    socket.destroy();
  }
}
