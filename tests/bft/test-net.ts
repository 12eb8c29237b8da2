import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { initNet } from "../../src/clients/net/net-init.js";
import { appDir, type NetLayout, type NetNode, restUrl } from "../../src/clients/net/net-layout.js";
import { readPids, startNet, stopNet, stopProcess } from "../../src/clients/net/net-processes.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { ensureCometbft } from "../../src/node/cometbft-binary.js";
import { readKeyFile } from "../../src/node/key-file.js";
import { CONFIG_FILE, type NodeSettings, writeNodeConfig } from "../../src/node/node-config.js";

/**
 * A real local consortium for tests: `net init` and `net start` in a temporary folder on free
 * loopback ports, every process tied to this test process (DEVICECHAIN_WATCH_PID) and stopped
 * by close(). Needs the pinned CometBFT: built from tools/cometbft on first use (Go required).
 */
export interface TestNet {
  readonly dir: string;
  readonly layout: NetLayout;
  readonly chainId: string;
  url(i: number): string;
  node(i: number): NetNode;
  key(member: string): Signer;
  close(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: "127.0.0.1", port }, () => s.close(() => resolve(true)));
  });
}

/** A base port whose whole range (10 per node) is free right now. */
async function freeBase(nodes: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 2_000);
    const ports = Array.from({ length: nodes * 10 }, (_, i) => base + i);
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error("No free range of loopback ports");
}

export async function startTestNet(opts: {
  validators: number;
  fullNodes?: number;
  demo?: boolean;
  /**
   * Settings for a node's devicechain process on top of what `net init` wrote, applied before
   * the network starts (e.g. cloneReportKeyFile and the diameterPeers whose checks may feed its
   * clone rules, for an operator's node). `dir` is the network's
   * folder, whose keys/ holds every member's key file.
   */
  nodeSettings?: (node: NetNode, i: number, dir: string) => Partial<NodeSettings>;
}): Promise<TestNet> {
  ensureCometbft((line) => process.stderr.write(`${line}\n`));
  const dir = mkdtempSync(path.join(tmpdir(), "dc-bft-"));
  const layout = initNet({
    dir,
    validators: opts.validators,
    fullNodes: opts.fullNodes ?? 0,
    demo: opts.demo === true,
    basePort: await freeBase(opts.validators + (opts.fullNodes ?? 0)),
    logLevel: "info",
    appLogLevel: "warn",
  });
  const close = async (): Promise<void> => {
    await stopNet(dir).catch(() => undefined);
    // Anything a test restarted by hand and left running goes too.
    for (const n of layout.nodes) {
      const p = readPids(dir, n.name);
      await stopProcess(p.cometbft, 2000);
      await stopProcess(p.app, 2000);
    }
    if (!process.env.DEVICECHAIN_KEEP_NET) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, node] of layout.nodes.entries()) {
      const extra = opts.nodeSettings?.(node, i, dir) ?? {};
      if (Object.keys(extra).length === 0) continue;
      const data = appDir(dir, node.name);
      const written = JSON.parse(readFileSync(path.join(data, CONFIG_FILE), "utf8")) as object;
      writeNodeConfig(data, { ...written, ...extra });
    }
    await startNet(dir, { watchPid: process.pid, timeoutMs: 60_000 });
  } catch (e) {
    await close();
    throw e;
  }
  return {
    dir,
    layout,
    chainId: layout.chainId,
    url: (i) => restUrl(layout.nodes[i]!),
    node: (i) => layout.nodes[i]!,
    key: (member) => readKeyFile(path.join(dir, "keys", `${member}.key`)),
    close,
  };
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function getJson(
  url: string,
  timeoutMs = 5000,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function postTx(url: string, tx: unknown, timeoutMs = 30_000): Promise<Reply> {
  const res = await fetch(`${url}/v1/txs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(tx),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until check() is true, or fail after timeoutMs saying what was awaited. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not answering yet.
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A node's REST status: height and app hash, or undefined if it does not answer. */
export async function statusOf(
  url: string,
): Promise<{ height: number; appHash: string } | undefined> {
  try {
    const r = await getJson(`${url}/v1/status`, 2000);
    return r.body as { height: number; appHash: string };
  } catch {
    return undefined;
  }
}

/** The app hash a node stored for a height (its block header), if it has that block. */
export async function appHashAt(url: string, height: number): Promise<string | undefined> {
  try {
    const r = await getJson(`${url}/v1/blocks/${height}`, 2000);
    if (r.status !== 200) return undefined;
    return (r.body.header as { appHash: string }).appHash;
  } catch {
    return undefined;
  }
}
