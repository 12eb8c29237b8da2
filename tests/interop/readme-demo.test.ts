/**
 * The README's demo, run for real: curl (a client we did not write) and the checkout's own CLI
 * against `devicechain start --dev`. Every `curl` and `node bin/devicechain.js` line in the
 * README's demo blocks must succeed, in order, and where the README shows the answer on a `# →`
 * line, the output must contain it. This keeps the docs true.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { type DevNode, requireProgram, root, startDevNode } from "./dev-node.js";

interface DemoCommand {
  readonly command: string;
  readonly expect?: string;
}

const CLI = "node bin/devicechain.js ";

/** The curl and CLI commands of the README's "Try the demo" section, with their shown answers. */
function readmeCommands(): DemoCommand[] {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.split("## Try the demo")[1]?.split("\n## ")[0] ?? "";
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const out: DemoCommand[] = [];
  for (const line of blocks.join("\n").split("\n")) {
    if (line.startsWith("curl ") || line.startsWith(CLI)) out.push({ command: line });
    const shown = /^# → (.+)$/.exec(line);
    const last = out[out.length - 1];
    if (shown && last && last.expect === undefined)
      out[out.length - 1] = { ...last, expect: shown[1]! };
  }
  return out;
}

let node: DevNode | undefined;
let port = 0;
let dataDir = "";

before(async () => {
  requireProgram("curl", ["--version"], "apt-get install curl");
  node = await startDevNode();
  port = node.port;
  dataDir = node.dataDir;
});

after(() => {
  node?.stop();
});

test("the README shows demo curl commands", () => {
  assert.ok(
    readmeCommands().length >= 4,
    "the README's demo section lists at least four curl commands",
  );
});

test("every README demo command works against the dev node", () => {
  assert.ok(
    readmeCommands().some((c) => c.command.startsWith(CLI)),
    "the demo runs the checkout's CLI",
  );
  for (const { command, expect } of readmeCommands()) {
    const local = command
      .replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`)
      // `npm start`'s demo keys are in ./data/keys; this node's are in its own data directory.
      .replaceAll(" data/keys/", ` ${path.join(dataDir, "keys")}/`);
    const run = command.startsWith(CLI) ? local : `${local} --silent --show-error --max-time 10`;
    const out = execFileSync("bash", ["-c", run], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, DEVICECHAIN_NODE: `http://127.0.0.1:${port}` },
    });
    if (expect !== undefined)
      assert.ok(
        out.includes(expect),
        `${command}\n  printed ${out}\n  expected it to contain ${expect}`,
      );
  }
});
