/**
 * The buyers bench's paid-access part: `GET <path>` with an API key and durable metering on,
 * against a bare node:http server in the same run (alternating autocannon rounds), as
 * check_ratio and check_p99_ms.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startChild } from "./child-server.js";
import type { Emit } from "./run.js";
import { median, progress } from "./stats.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The access node child: its port and the bench key it made. */
async function startAccessNode(): Promise<{ port: number; key: string; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(here, "serve-access-node.js")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const started = await new Promise<{ port: number; key: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("serve-access-node did not start")), 60_000);
    lines.once("line", (l) => {
      clearTimeout(timer);
      resolve(JSON.parse(l) as { port: number; key: string });
    });
    child.on("exit", (code) => reject(new Error(`serve-access-node exited with ${code}`)));
  });
  return { ...started, stop: () => child.kill("SIGTERM") };
}

const load = (url: string, headers: Record<string, string> = {}): Promise<autocannon.Result> =>
  autocannon({ url, headers, connections: 32, duration: 4, pipelining: 1 });

/** check_ratio and check_p99_ms for `opts.path` (e.g. /v1/check/356938035643809). */
export async function runAccessBench(emit: Emit, opts: { path: string }): Promise<void> {
  const node = await startAccessNode();
  const bare = await startChild("bare-http-server.js");
  const nodeUrl = `http://127.0.0.1:${node.port}${opts.path}`;
  const bareUrl = `http://127.0.0.1:${bare.port}/`;
  const headers = { authorization: `Bearer ${node.key}` };
  try {
    const probe = await fetch(nodeUrl, { headers });
    if (probe.status !== 200)
      throw new Error(`${opts.path} answered ${probe.status}: ${await probe.text()}`);
    if (!probe.headers.get("x-request-id")) throw new Error(`${opts.path} is not metered`);
    await load(nodeUrl, headers); // warm-up
    await load(bareUrl);
    const ratios: number[] = [];
    const p99s: number[] = [];
    const nodeRps: number[] = [];
    const bareRps: number[] = [];
    for (let r = 0; r < 3; r++) {
      const a = await load(nodeUrl, headers);
      const b = await load(bareUrl);
      if (a.non2xx > 0 || a.errors > 0) {
        throw new Error(`node answered ${a.non2xx} non-2xx and ${a.errors} errors`);
      }
      ratios.push(a.requests.average / b.requests.average);
      p99s.push(a.latency.p99);
      nodeRps.push(a.requests.average);
      bareRps.push(b.requests.average);
      progress(
        `buyers round ${r + 1}: metered ${Math.round(a.requests.average)} req/s (p99 ${a.latency.p99} ms), bare ${Math.round(b.requests.average)} req/s`,
      );
    }
    emit({
      bench: "buyers",
      metric: "check_ratio",
      value: Number(median(ratios).toFixed(3)),
      unit: "ratio",
      path: opts.path,
      nodeReqPerS: Math.round(median(nodeRps)),
      bareReqPerS: Math.round(median(bareRps)),
      connections: 32,
    });
    emit({
      bench: "buyers",
      metric: "check_p99_ms",
      value: median(p99s),
      unit: "ms",
      path: opts.path,
    });
  } finally {
    node.stop();
    bare.stop();
  }
}
