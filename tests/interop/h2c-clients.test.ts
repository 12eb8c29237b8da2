/**
 * h2c clients we did not write, curl (--http2-prior-knowledge) and nghttp (Debian nghttp2-client),
 * against the equipment-status endpoint of a dev node: each must speak HTTP/2 and get the answer.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { type DevNode, requireProgram, startDevNode } from "./dev-node.js";

let node: DevNode | undefined;
let base = "";

before(async () => {
  requireProgram("curl", ["--version"], "apt-get install curl");
  requireProgram("nghttp", ["--version"], "apt-get install nghttp2-client");
  node = await startDevNode();
  base = `http://127.0.0.1:${node.port}/n5g-eir-eic/v1/equipment-status?pei=`;
});

after(() => {
  node?.stop();
});

test("curl --http2-prior-knowledge: the stolen phone is BLACKLISTED, over HTTP/2", () => {
  const out = execFileSync(
    "curl",
    [
      "--silent",
      "--show-error",
      "--max-time",
      "10",
      "--http2-prior-knowledge",
      "-w",
      "\n%{http_version} %{http_code}",
      `${base}imei-490154203237518`,
    ],
    { encoding: "utf8" },
  );
  const [body, meta] = out.split("\n");
  assert.deepEqual(JSON.parse(body ?? ""), { status: "BLACKLISTED" });
  assert.equal(meta, "2 200");
});

test("nghttp: clean, unknown and malformed PEIs get 200, 404 and 400 with the right bodies", () => {
  const get = (pei: string): string =>
    execFileSync("nghttp", ["-v", "--timeout=10", `${base}${pei}`], { encoding: "utf8" });
  const clean = get("imei-356938035643809");
  assert.match(clean, /:status: 200/);
  assert.match(clean, /\{"status":"WHITELISTED"\}/);
  const unknown = get("imei-490154203237500");
  assert.match(unknown, /:status: 404/);
  assert.match(unknown, /content-type: application\/problem\+json/);
  assert.match(unknown, /"cause":"ERROR_EQUIPMENT_UNKNOWN"/);
  const bad = get("imei-12");
  assert.match(bad, /:status: 400/);
  assert.match(bad, /"invalidParams":\[\{"param":"pei"/);
});
