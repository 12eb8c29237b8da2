/**
 * `npm run bench -- eir`: equipment-status over h2c (h2load) against a bare node:http2 server in
 * the same run, and the S13 Diameter EIR under pipelined load on one connection.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
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

/** One h2load round: requests per second and the p99 latency (ms) from its per-request log. */
function h2load(url: string): { rate: number; p99: number } {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-h2load-"));
  const log = path.join(dir, "requests.tsv");
  try {
    const out = execFileSync(
      "h2load",
      ["-c", "32", "-m", "2", "-D", "4", "--warm-up-time=1", `--log-file=${log}`, url],
      { encoding: "utf8", timeout: 60_000 },
    );
    const rate = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(out)?.[1] ?? Number.NaN);
    const failed = Number(/(\d+) failed/.exec(out)?.[1] ?? 0);
    if (!Number.isFinite(rate) || failed > 0) throw new Error(`h2load: ${out.slice(-400)}`);
    const latencies = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => Number(line.split("\t")[2]) / 1000);
    return { rate, p99: percentile(latencies, 99) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sbiH2c(emit: Emit, port: number): Promise<void> {
  try {
    execFileSync("h2load", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("h2load is missing: apt-get install nghttp2-client");
  }
  const bare = await startChild("bare-http2-server.js");
  try {
    const nodeUrl = `http://127.0.0.1:${port}/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809`;
    const bareUrl = `http://127.0.0.1:${bare.port}/`;
    const ratios: number[] = [];
    const p99s: number[] = [];
    for (let r = 0; r < 3; r++) {
      const a = h2load(nodeUrl);
      const b = h2load(bareUrl);
      ratios.push(a.rate / b.rate);
      p99s.push(a.p99);
      progress(
        `h2c round ${r + 1}: node ${Math.round(a.rate)} req/s, bare ${Math.round(b.rate)} req/s`,
      );
    }
    emit({
      bench: "eir",
      metric: "sbi_h2c_ratio",
      value: Number(median(ratios).toFixed(3)),
      unit: "ratio",
      connections: 32,
      streamsPerConnection: 2,
    });
    emit({
      bench: "eir",
      metric: "sbi_h2c_p99_ms",
      value: Number(median(p99s).toFixed(2)),
      unit: "ms",
    });
  } finally {
    bare.stop();
  }
}

export async function runEirBench(emit: Emit): Promise<void> {
  const node = await startChild("serve-node.js");
  try {
    await sbiH2c(emit, node.port);
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
