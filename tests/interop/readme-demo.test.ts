/**
 * The README's demo, run for real: curl (a client we did not write) against `devicechain start
 * --dev`. Every `curl` line in the README's demo block must succeed, and where the README shows
 * the answer on a `# →` line, the output must contain it. This keeps the docs true.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function requireCurl(): void {
  try {
    execFileSync("curl", ["--version"], { stdio: "ignore" });
  } catch {
    assert.fail("curl is not installed: apt-get install curl (the CI script .ci/run does this)");
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

interface DemoCommand {
  readonly command: string;
  readonly expect?: string;
}

/** The curl commands of the README's "Try the demo" section, with their shown answers. */
function readmeCommands(): DemoCommand[] {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.split("## Try the demo")[1]?.split("\n## ")[0] ?? "";
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const out: DemoCommand[] = [];
  for (const line of blocks.join("\n").split("\n")) {
    if (line.startsWith("curl ")) out.push({ command: line });
    const shown = /^# → (.+)$/.exec(line);
    const last = out[out.length - 1];
    if (shown && last && last.expect === undefined)
      out[out.length - 1] = { ...last, expect: shown[1]! };
  }
  return out;
}

let node: ChildProcess | undefined;
let port = 0;
let dataDir = "";

before(async () => {
  requireCurl();
  port = await freePort();
  dataDir = mkdtempSync(path.join(tmpdir(), "dc-interop-"));
  node = spawn(
    process.execPath,
    [
      path.join(root, "bin/devicechain.js"),
      "start",
      "--dev",
      "--data",
      dataDir,
      "--port",
      String(port),
      "--s13-port",
      "0",
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const deadline = Date.now() + 120_000;
  const url = `http://127.0.0.1:${port}/n5g-eir-eic/v1/equipment-status?pei=imei-490154203237518`;
  while (Date.now() < deadline) {
    const status = await fetch(url)
      .then((r) => r.json() as Promise<{ status?: string }>)
      .then((b) => b.status)
      .catch(() => undefined);
    if (status === "BLACKLISTED") return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail("the dev node did not finish seeding the demo within 120 s");
});

after(() => {
  node?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("the README shows demo curl commands", () => {
  assert.ok(
    readmeCommands().length >= 4,
    "the README's demo section lists at least four curl commands",
  );
});

test("every README curl command works against the dev node", () => {
  for (const { command, expect } of readmeCommands()) {
    const local = command.replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`);
    const out = execFileSync("bash", ["-c", `${local} --silent --show-error --max-time 10`], {
      encoding: "utf8",
    });
    if (expect !== undefined)
      assert.ok(
        out.includes(expect),
        `${command}\n  printed ${out}\n  expected it to contain ${expect}`,
      );
  }
});
