/**
 * `npm run bench -- radius`: Access-Request/Access-Accept round trips on the built-in RADIUS
 * server (a node in a child process, the load from this one), and the time from a stolen
 * report's submission to the Disconnect-Request reaching a NAS simulator.
 */
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { NodeClient } from "../src/clients/sdk/node-client.js";
import { buildTx } from "../src/clients/sdk/tx-builder.js";
import {
  ACCT_STATUS,
  ATTR,
  CODE,
  decodePacket,
  encodeAccessRequest,
  responseAuthenticatorValid,
  textAttr,
} from "../src/servers/radius/radius-packet.js";
import { NasSimulator } from "../tests/e2e/radius-nas.js";
import { BENCH_CHAIN, benchSigner } from "./bench-fixtures.js";
import { startChild } from "./child-server.js";
import type { Emit } from "./run.js";
import { median, progress } from "./stats.js";

export const RADIUS_BENCH_SECRET = "radius-bench-secret";
/** The device the load asks about, and the ones the disconnect rounds report stolen. */
export const LOAD_MAC = "02-BE-00-00-00-00";
export const SESSION_DEVICES = 64;
export const sessionMac = (i: number): string =>
  `02-BE-00-00-${[(i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, "0")).join("-")}`.toUpperCase();

const SOCKETS = 4;
const WINDOW = 8; // requests in flight per socket
const ROUND_MS = 3_000;
const DISCONNECT_ROUNDS = 20;

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** One NAS socket: 256 prepared Access-Requests, one per Identifier, each with its own authenticator. */
async function loadSocket(): Promise<{ socket: Socket; packets: Buffer[] }> {
  const socket = createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  const secret = Buffer.from(RADIUS_BENCH_SECRET);
  const packets = Array.from({ length: 256 }, (_, id) =>
    encodeAccessRequest(
      CODE.ACCESS_REQUEST,
      id,
      randomBytes(16),
      [
        textAttr(ATTR.USER_NAME, LOAD_MAC),
        textAttr(ATTR.CALLING_STATION_ID, LOAD_MAC),
        textAttr(ATTR.NAS_IDENTIFIER, "bench-nas"),
      ],
      secret,
    ),
  );
  return { socket, packets };
}

/** One round: SOCKETS × WINDOW requests in flight for ROUND_MS; rate and latencies (ms). */
async function round(authPort: number): Promise<{ rate: number; latencies: number[] }> {
  const sockets = await Promise.all(Array.from({ length: SOCKETS }, loadSocket));
  const latencies: number[] = [];
  let done = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + ROUND_MS;
  const secret = Buffer.from(RADIUS_BENCH_SECRET);
  await Promise.all(
    sockets.map(
      ({ socket, packets }) =>
        new Promise<void>((resolve) => {
          const sentAt = new Float64Array(256);
          let next = 0;
          let inFlight = 0;
          let checked = false;
          const send = () => {
            const id = next;
            next = (next + 1) & 0xff;
            sentAt[id] = performance.now();
            inFlight++;
            socket.send(packets[id]!, authPort, "127.0.0.1");
          };
          socket.on("message", (msg) => {
            const now = performance.now();
            const id = msg[1]!;
            inFlight--;
            if (msg[0] !== CODE.ACCESS_ACCEPT) failures++;
            else if (!checked) {
              // Verify one answer per socket; verifying all would load the generator, not the node.
              checked = true;
              const p = decodePacket(msg);
              const auth = packets[id]!.subarray(4, 20);
              if (!responseAuthenticatorValid(p, auth, secret)) failures++;
            }
            latencies.push(now - sentAt[id]!);
            done++;
            if (now < deadline) send();
            else if (inFlight === 0) resolve();
          });
          for (let k = 0; k < WINDOW; k++) send();
          // A lost datagram must not hang the round.
          setTimeout(resolve, ROUND_MS + 2_000).unref();
        }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  for (const { socket } of sockets) socket.close();
  if (failures > 0) throw new Error(`${failures} answers were not verified Access-Accepts`);
  return { rate: done / elapsed, latencies };
}

async function blockToDisconnect(
  emit: Emit,
  ports: { port: number; acctPort: number; authPort: number },
  nas: NasSimulator,
): Promise<void> {
  const client = new NodeClient(`http://127.0.0.1:${ports.port}`);
  const police = benchSigner("police");
  const times: number[] = [];
  for (let i = 1; i <= DISCONNECT_ROUNDS; i++) {
    const mac = sessionMac(i);
    await nas.accounting(ACCT_STATUS.START, `bench-${i}`, mac);
    const seen = nas.received.length;
    const tx = buildTx(police, BENCH_CHAIN, i, "report.file", {
      device: mac,
      kind: "stolen",
      reference: `BENCH-${i}`,
    });
    const submitted = performance.now();
    const committed = client.submit(tx);
    const d = await nas.nextDisconnect(5_000, seen);
    const r = await committed;
    if (r.code !== 0) throw new Error(`report ${i} failed: ${r.codeName}`);
    times.push((d.at - submitted) / 1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  progress(
    `block to disconnect: p50 ${(median(times) * 1000).toFixed(1)} ms, max ${(Math.max(...times) * 1000).toFixed(1)} ms`,
  );
  emit({
    bench: "radius",
    metric: "block_to_disconnect_p50_s",
    value: Number(median(times).toFixed(4)),
    unit: "s",
    rounds: DISCONNECT_ROUNDS,
    engine: "embedded",
  });
}

export async function runRadiusBench(emit: Emit): Promise<void> {
  // The NAS simulator's CoA port goes into the node's client configuration.
  const nasPorts = { authPort: 0, acctPort: 0 };
  const nas0 = await NasSimulator.start({ secret: RADIUS_BENCH_SECRET, server: nasPorts });
  const coaPort = nas0.coaPort;
  nas0.close();
  const node = (await startChild("serve-radius-node.js", [String(coaPort)])) as Awaited<
    ReturnType<typeof startChild>
  > & { authPort?: number; acctPort?: number };
  const { authPort, acctPort } = node;
  if (!authPort || !acctPort) throw new Error("the bench node has no RADIUS ports");
  const nas = await NasSimulator.start({
    secret: RADIUS_BENCH_SECRET,
    server: { authPort, acctPort },
    coaPort,
  });
  try {
    await round(authPort); // warm-up
    const rates: number[] = [];
    const p99s: number[] = [];
    for (let r = 0; r < 3; r++) {
      const { rate, latencies } = await round(authPort);
      rates.push(rate);
      p99s.push(percentile(latencies, 99));
      progress(`radius round ${r + 1}: ${Math.round(rate)} Access-Request/Accept per second`);
    }
    emit({
      bench: "radius",
      metric: "radius_per_s",
      value: Math.round(median(rates)),
      unit: "round trips/s",
      sockets: SOCKETS,
      window: WINDOW,
    });
    emit({
      bench: "radius",
      metric: "radius_p99_ms",
      value: Number(median(p99s).toFixed(2)),
      unit: "ms",
    });
    await blockToDisconnect(emit, { port: node.port, authPort, acctPort }, nas);
  } finally {
    nas.close();
    node.stop();
  }
}
