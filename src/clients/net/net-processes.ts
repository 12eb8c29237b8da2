import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { makeError } from "../../core/errors/devicechain-error.js";
import { cometbftPath, ensureCometbft, repoRoot } from "../../node/cometbft-binary.js";
import { demoFinalNonces } from "../demo/demo-consortium.js";
import {
  appDir,
  cometHome,
  type NetLayout,
  type NetNode,
  nodeDir,
  readNetLayout,
  restUrl,
} from "./net-layout.js";

/** DIR/nodes/<name>/pids.json: the process ids `net start` launched. */
const PIDS_FILE = "pids.json";

export interface NodePids {
  app?: number;
  cometbft?: number;
}

export interface StartOptions {
  /** Every process exits once this pid is gone (test harnesses); unset for `net start`. */
  readonly watchPid?: number;
  readonly log?: (line: string) => void;
  /** How long to wait for a node's ABCI port and REST API. */
  readonly timeoutMs?: number;
}

export function readPids(dir: string, name: string): NodePids {
  const file = path.join(nodeDir(dir, name), PIDS_FILE);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as NodePids;
  } catch {
    return {};
  }
}

function writePids(dir: string, name: string, pids: NodePids): void {
  writeFileSync(path.join(nodeDir(dir, name), PIDS_FILE), `${JSON.stringify(pids)}\n`);
}

export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

function launch(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): number {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env });
    child.unref();
    if (child.pid === undefined) throw new Error(`Could not start ${cmd}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Start one node's devicechain process (ABCI, REST, EIR), if it is not running. */
export async function startApp(
  dir: string,
  node: NetNode,
  opts: StartOptions = {},
): Promise<number> {
  const pids = readPids(dir, node.name);
  if (alive(pids.app)) return pids.app!;
  const env = { ...process.env };
  if (opts.watchPid !== undefined) env.DEVICECHAIN_WATCH_PID = String(opts.watchPid);
  const logFile = path.join(nodeDir(dir, node.name), "app.log");
  const pid = launch(
    process.execPath,
    [path.join(repoRoot(), "bin", "devicechain.js"), "start", "--data", appDir(dir, node.name)],
    logFile,
    env,
  );
  writePids(dir, node.name, { ...readPids(dir, node.name), app: pid });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (!(await portOpen(node.ports.abci))) {
    if (!alive(pid)) {
      throw makeError(
        "NODE_UNAVAILABLE",
        `${node.name}'s devicechain process exited:\n${tail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw makeError(
        "NODE_UNAVAILABLE",
        `${node.name}'s ABCI port did not open:\n${tail(logFile)}`,
      );
    }
    await sleep(100);
  }
  return pid;
}

/** Start one node's CometBFT process, if it is not running. Its app must be up. */
export function startComet(dir: string, node: NetNode, opts: StartOptions = {}): number {
  const pids = readPids(dir, node.name);
  if (alive(pids.cometbft)) return pids.cometbft!;
  const bin = process.env.DEVICECHAIN_COMETBFT ? cometbftPath() : ensureCometbft(opts.log);
  const logFile = path.join(nodeDir(dir, node.name), "cometbft.log");
  const pid = launch(bin, ["start", "--home", cometHome(dir, node.name)], logFile, process.env);
  writePids(dir, node.name, { ...readPids(dir, node.name), cometbft: pid });
  return pid;
}

/** Start a whole node: its devicechain process first (CometBFT dials it), then CometBFT. */
export async function startNode(
  dir: string,
  node: NetNode,
  opts: StartOptions = {},
): Promise<void> {
  const pids = readPids(dir, node.name);
  // CometBFT stops itself when its app dies, but its graceful stop can hang on the lost
  // connection: a CometBFT without its app is of no use, so it goes before the app restarts.
  if (!alive(pids.app) && alive(pids.cometbft)) await stopProcess(pids.cometbft, 5000);
  await startApp(dir, node, opts);
  startComet(dir, node, opts);
}

/** Start every node of DIR and wait until each REST API and CometBFT RPC answers. */
export async function startNet(dir: string, opts: StartOptions = {}): Promise<NetLayout> {
  const layout = readNetLayout(dir);
  ensureCometbft(opts.log);
  // Apps first, all of them: then every CometBFT finds its app and its peers at once.
  await Promise.all(layout.nodes.map((n) => startApp(dir, n, opts)));
  for (const n of layout.nodes) startComet(dir, n, opts);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  // Ready means both halves answer: a submission goes through the node's CometBFT RPC, which
  // may still be starting when the app's REST API already is.
  for (const n of layout.nodes) {
    while (!(await restReady(n)) || !(await rpcReady(n))) {
      if (Date.now() > deadline)
        throw makeError("NODE_UNAVAILABLE", `${n.name}'s REST API or CometBFT RPC is not ready`);
      await sleep(200);
    }
  }
  if (layout.demo) {
    // The first node seeds the demo through consensus once the chain runs: wait until every
    // node has committed all of it, so that what `npm start` shows answers here too.
    opts.log?.("seeding the demo consortium through consensus");
    const final = demoFinalNonces();
    for (const n of layout.nodes) {
      while (!(await demoSeeded(n, final))) {
        if (Date.now() > deadline)
          throw makeError(
            "NODE_UNAVAILABLE",
            `${n.name} has not committed the demo data: see ${path.join(nodeDir(dir, n.name), "app.log")}`,
          );
        await sleep(200);
      }
    }
  }
  opts.log?.(`started ${layout.nodes.length} nodes of ${layout.chainId}`);
  return layout;
}

/** True once a node has committed every demo seeding transaction (each signer's last nonce). */
async function demoSeeded(n: NetNode, final: ReadonlyMap<string, number>): Promise<boolean> {
  try {
    for (const [keyId, nonce] of final) {
      const r = await fetch(`${restUrl(n)}/v1/accounts/${keyId}`, {
        signal: AbortSignal.timeout(1000),
      });
      if (!r.ok) return false;
      if (((await r.json()) as { nextNonce: number }).nextNonce <= nonce) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function rpcReady(n: NetNode): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${n.ports.rpc}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    return r.ok;
  } catch {
    return false;
  }
}

async function restReady(n: NetNode): Promise<boolean> {
  try {
    const r = await fetch(`${restUrl(n)}/readyz`, { signal: AbortSignal.timeout(1000) });
    return r.ok;
  } catch {
    return false;
  }
}

/** Signal a process and wait for it to go; SIGKILL after the grace period. */
export async function stopProcess(pid: number | undefined, graceMs = 10_000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid!, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid!, "SIGKILL");
      } catch {
        return;
      }
    }
    await sleep(50);
  }
}

/** Stop one node: CometBFT first (so it stops calling the app), then the app. */
export async function stopNode(dir: string, name: string): Promise<void> {
  const pids = readPids(dir, name);
  await stopProcess(pids.cometbft);
  await stopProcess(pids.app);
  rmSync(path.join(nodeDir(dir, name), PIDS_FILE), { force: true });
}

export async function stopNet(dir: string): Promise<void> {
  const layout = readNetLayout(dir);
  await Promise.all(layout.nodes.map((n) => stopNode(dir, n.name)));
}

export interface NodeStatus {
  readonly name: string;
  readonly validator: boolean;
  readonly cometbftPid: number | null;
  readonly appPid: number | null;
  readonly rest: string;
  readonly height: number | null;
  readonly appHash: string | null;
}

/** Each node's processes (null when not running), REST URL, height and app hash. */
export async function netStatus(dir: string): Promise<NodeStatus[]> {
  const layout = readNetLayout(dir);
  return Promise.all(
    layout.nodes.map(async (n) => {
      const pids = readPids(dir, n.name);
      let height: number | null = null;
      let appHash: string | null = null;
      try {
        const r = await fetch(`${restUrl(n)}/v1/status`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) {
          const s = (await r.json()) as { height: number; appHash: string };
          height = s.height;
          appHash = s.appHash;
        }
      } catch {
        // Not answering: height and app hash stay unknown.
      }
      return {
        name: n.name,
        validator: n.validator,
        cometbftPid: alive(pids.cometbft) ? pids.cometbft! : null,
        appPid: alive(pids.app) ? pids.app! : null,
        rest: restUrl(n),
        height,
        appHash,
      };
    }),
  );
}
