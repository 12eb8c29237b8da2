/**
 * `npm run bench -- eir`: the S13 Diameter EIR under pipelined load on one connection.
 * (The h2c figures of the 5G-EIR come with HTTP/2 support.)
 */
import { connect } from "node:net";
import { AVP, COMMAND, S13_APPLICATION_ID, VENDOR_3GPP } from "../src/servers/s13/diameter-avps.js";
import {
  encodeMessage,
  FLAG_PROXIABLE,
  FLAG_REQUEST,
  groupedAvp,
  messageLength,
  u32Avp,
  utf8Avp,
} from "../src/servers/s13/diameter-message.js";
import { startChild } from "./child-server.js";
import type { Emit } from "./run.js";
import { median, progress } from "./stats.js";

const WINDOW = 256;
const ROUND_MS = 3_000;

function ecrTemplate(): Buffer {
  return encodeMessage({
    flags: FLAG_REQUEST | FLAG_PROXIABLE,
    commandCode: COMMAND.ME_IDENTITY_CHECK,
    applicationId: S13_APPLICATION_ID,
    hopByHop: 0,
    endToEnd: 0,
    avps: [
      utf8Avp(AVP.SESSION_ID, "mme.bench.localdomain;1;1"),
      u32Avp(AVP.AUTH_SESSION_STATE, 1),
      utf8Avp(AVP.ORIGIN_HOST, "mme.bench.localdomain"),
      utf8Avp(AVP.ORIGIN_REALM, "bench.localdomain"),
      utf8Avp(AVP.DESTINATION_REALM, "devicechain.localdomain"),
      groupedAvp(
        AVP.TERMINAL_INFORMATION,
        [utf8Avp(AVP.IMEI, "35693803564380", { vendorId: VENDOR_3GPP })],
        {
          vendorId: VENDOR_3GPP,
        },
      ),
    ],
  });
}

/** One round: keep WINDOW requests in flight for ROUND_MS; round trips per second and latencies. */
async function round(port: number): Promise<{ rate: number; latencies: number[] }> {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const template = ecrTemplate();
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let hop = 1;
  let done = 0;
  let pending: Buffer = Buffer.alloc(0);
  const started = performance.now();
  const deadline = started + ROUND_MS;
  const send = (n: number): void => {
    const batch = Buffer.allocUnsafe(template.length * n);
    for (let k = 0; k < n; k++) {
      template.copy(batch, k * template.length);
      batch.writeUInt32BE(hop, k * template.length + 12);
      sentAt.set(hop, performance.now());
      hop++;
    }
    socket.write(batch);
  };
  await new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let answered = 0;
      while (pending.length >= 4 && pending.length >= messageLength(pending)) {
        const length = messageLength(pending);
        const id = pending.readUInt32BE(12);
        const t = sentAt.get(id);
        if (t === undefined) return reject(new Error(`answer for unknown hop-by-hop ${id}`));
        latencies.push(performance.now() - t);
        sentAt.delete(id);
        pending = pending.subarray(length);
        answered++;
      }
      done += answered;
      if (performance.now() < deadline) {
        if (answered > 0) send(answered);
      } else if (sentAt.size === 0) resolve();
    });
    send(WINDOW);
  });
  const elapsed = (performance.now() - started) / 1000;
  socket.destroy();
  return { rate: done / elapsed, latencies };
}

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

export async function runEirBench(emit: Emit): Promise<void> {
  const node = await startChild("serve-node.js");
  try {
    if (!node.s13Port) throw new Error("the bench node has no S13 port");
    await round(node.s13Port); // warm-up
    const rates: number[] = [];
    const p99s: number[] = [];
    for (let r = 0; r < 3; r++) {
      const { rate, latencies } = await round(node.s13Port);
      rates.push(rate);
      p99s.push(percentile(latencies, 99));
      progress(`s13 round ${r + 1}: ${Math.round(rate)} ECR/ECA per second`);
    }
    emit({
      bench: "eir",
      metric: "s13_per_s",
      value: Math.round(median(rates)),
      unit: "round trips/s",
      window: WINDOW,
      connections: 1,
    });
    emit({
      bench: "eir",
      metric: "s13_p99_ms",
      value: Number(median(p99s).toFixed(2)),
      unit: "ms",
    });
  } finally {
    node.stop();
  }
}
