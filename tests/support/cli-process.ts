/** The devicechain CLI as a user runs it: `bin/devicechain.js` in child processes. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The checkout's root (tests run from dist/tests/support). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI_BIN = path.join(REPO_ROOT, "bin/devicechain.js");

/** What one CLI run printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI once with these arguments (and extra environment), within 60 s. */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A `devicechain start --dev` process and the URL it listens on. */
export interface DevNodeProcess {
  readonly process: ChildProcess;
  /** http://host:port, from the node's "listening" log line. */
  readonly url: string;
  /** SIGTERM, then SIGKILL after 10 s: a stuck node never hangs the suite. */
  stop(): Promise<void>;
}

/**
 * Start `devicechain start --dev --data DATA --port 0` and any extra arguments, and wait (60 s at
 * most) for the JSON log line that carries its URL: stdout is a pipe, so the node logs JSON.
 */
export async function startDevNodeProcess(
  data: string,
  extra: readonly string[] = [],
): Promise<DevNodeProcess> {
  const node = spawn(
    process.execPath,
    [CLI_BIN, "start", "--dev", "--data", data, "--port", "0", ...extra],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: node.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the dev node did not start in 60 s")), 60_000);
    lines.on("line", (line) => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    node.on("exit", (code) => reject(new Error(`the dev node exited with ${code}`)));
  });
  const stop = async (): Promise<void> => {
    if (node.exitCode !== null || node.signalCode !== null) return;
    const exited = new Promise((resolve) => node.on("exit", resolve));
    node.kill("SIGTERM");
    // A clean stop takes well under a second.
    const force = setTimeout(() => node.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(force);
  };
  return { process: node, url, stop };
}
