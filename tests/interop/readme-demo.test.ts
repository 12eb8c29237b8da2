/**
 * The README's demo, run for real: curl (a client we did not write) against `devicechain start
 * --dev`. Every `curl` line in the README's demo block must succeed, and where the README shows
 * the answer on a `# →` line, the output must contain it. This keeps the docs true.
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

let node: DevNode | undefined;
let port = 0;

before(async () => {
  requireProgram("curl", ["--version"], "apt-get install curl");
  node = await startDevNode();
  port = node.port;
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
