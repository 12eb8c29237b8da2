import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** What a bench server child prints once it listens. */
export interface ChildPorts {
  readonly port: number;
  readonly s13Port?: number;
}

/** Start a bench server script (next to this file) that prints {"port": N, ...} once it listens. */
export async function startChild(
  script: string,
  args: string[] = [],
): Promise<ChildPorts & { stop: () => void }> {
  const child = spawn(process.execPath, [path.join(here, script), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const ports = await new Promise<ChildPorts>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 60_000);
    lines.on("line", (l) => {
      try {
        const msg = JSON.parse(l) as Partial<ChildPorts>;
        if (msg.port) {
          clearTimeout(timer);
          resolve(msg as ChildPorts);
        }
      } catch {
        // not our line
      }
    });
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { ...ports, stop: () => child.kill("SIGTERM") };
}
