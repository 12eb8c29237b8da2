/** A `devicechain start --dev` node on free loopback ports, for suites that drive it from outside. */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** Fail, saying how to install it, if a third-party program is missing. */
export function requireProgram(command: string, args: string[], install: string): void {
  try {
    execFileSync(command, args, { stdio: "ignore" });
  } catch {
    assert.fail(`${command} is missing: ${install} (the CI script .ci/run does this)`);
  }
}

export interface DevNode {
  readonly port: number;
  /** The data directory: the demo's key files are in its keys/. */
  readonly dataDir: string;
  readonly s13Port: number;
  stop(): void;
}

/**
 * Start a dev node and wait until its demo data is seeded (the stolen phone answers BLACKLISTED).
 * `config` is written as its config.json, with dev on.
 */
export async function startDevNode(config: Record<string, unknown> = {}): Promise<DevNode> {
  const port = await freePort();
  const s13Port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "dc-interop-"));
  if (Object.keys(config).length > 0) {
    writeFileSync(path.join(dataDir, "config.json"), JSON.stringify({ dev: true, ...config }));
  }
  const args = [
    "start",
    "--dev",
    "--data",
    dataDir,
    "--port",
    String(port),
    "--s13-port",
    String(s13Port),
  ];
  const node: ChildProcess = spawn(
    process.execPath,
    [path.join(root, "bin/devicechain.js"), ...args],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const stop = (): void => {
    node.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  const url = `http://127.0.0.1:${port}/n5g-eir-eic/v1/equipment-status?pei=imei-490154203237518`;
  while (Date.now() < deadline) {
    const status = await fetch(url)
      .then((r) => r.json() as Promise<{ status?: string }>)
      .then((b) => b.status)
      .catch(() => undefined);
    if (status === "BLACKLISTED") return { port, dataDir, s13Port, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  assert.fail("the dev node did not finish seeding the demo within 120 s");
}
