/**
 * schemathesis (pip) generates requests from the official TS 29.511 OpenAPI, with its referenced
 * TS 29.571 schemas, and checks every answer of a dev node against it, over HTTP/1.1. Each run must
 * end with zero failures. See schemathesis.toml for the one check configured, and why.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { type DevNode, requireProgram, root, startDevNode } from "./dev-node.js";

const spec = path.join(root, "specs/3gpp-rel17/TS29511_N5g-eir_EquipmentIdentityCheck.yaml");

interface HarEntry {
  readonly request: { readonly method: string; readonly url: string };
  readonly response: {
    readonly status: number;
    readonly headers: readonly { readonly name: string; readonly value: string }[];
    readonly content: { readonly text?: string };
  };
}

let node: DevNode | undefined;
let reports: string;

before(async () => {
  requireProgram("schemathesis", ["--version"], "pip install schemathesis==4.32.5");
  node = await startDevNode();
  reports = mkdtempSync(path.join(tmpdir(), "dc-schemathesis-"));
});

after(() => {
  node?.stop();
  rmSync(reports, { recursive: true, force: true });
});

/** Run schemathesis with a config file; return the requests and answers it logged. */
function schemathesis(configFile: string, env: Record<string, string> = {}): HarEntry[] {
  const reportDir = mkdtempSync(path.join(reports, "run-"));
  const run = spawnSync(
    "schemathesis",
    [
      "--no-color",
      "--config-file",
      path.join(root, "tests/interop", configFile),
      "run",
      spec,
      "--url",
      `http://127.0.0.1:${node?.port}/n5g-eir-eic/v1`,
      "--seed",
      "1",
      "--report",
      "har",
      "--report-dir",
      reportDir,
    ],
    { cwd: reportDir, encoding: "utf8", timeout: 600_000, env: { ...process.env, ...env } },
  );
  const out = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, out.slice(-4000));
  assert.match(out, /No issues found|\d+ passed/, out.slice(-2000));
  const har = readdirSync(reportDir).find((f) => f.endsWith(".json"));
  assert.ok(har, `schemathesis wrote no HAR report:\n${out.slice(-2000)}`);
  return JSON.parse(readFileSync(path.join(reportDir, har), "utf8")).log.entries;
}

function statuses(entries: readonly HarEntry[]): Set<number> {
  return new Set(entries.map((e) => e.response.status));
}

/** Every 400 is the TS 29.500 answer for a bad query parameter; every 405 lists what is allowed. */
function assertErrorsAreSpecific(entries: readonly HarEntry[]): void {
  for (const e of entries) {
    const { status, content, headers } = e.response;
    if (status === 400) {
      const body = JSON.parse(content.text ?? "{}");
      assert.equal(body.cause, "INVALID_QUERY_PARAM", `${e.request.url}: ${content.text}`);
      assert.ok(body.invalidParams?.length > 0, `${e.request.url}: ${content.text}`);
    }
    if (status === 405) {
      const allow = headers.find((h) => h.name.toLowerCase() === "allow")?.value;
      assert.equal(allow, "GET, HEAD", `${e.request.method} ${e.request.url}`);
    }
  }
}

test("generated requests: zero failures; bad PEIs get 400 INVALID_QUERY_PARAM, other methods 405", () => {
  const entries = schemathesis("schemathesis.toml");
  assert.ok(entries.length >= 100, `only ${entries.length} requests were made`);
  const seen = statuses(entries);
  for (const s of [400, 404, 405]) assert.ok(seen.has(s), `no ${s} among ${[...seen]}`);
  assertErrorsAreSpecific(entries);
});

for (const [pei, expected] of [
  ["imei-490154203237518", "BLACKLISTED"],
  ["imei-356938035643809", "WHITELISTED"],
] as const) {
  test(`pei pinned to ${pei}: zero failures, and the 200 answers say ${expected}`, () => {
    const entries = schemathesis("schemathesis-known-pei.toml", { ST_PEI: pei });
    const ok = entries.filter((e) => e.response.status === 200);
    assert.ok(ok.length >= 10, `only ${ok.length} answers were 200`);
    for (const e of ok) assert.equal(JSON.parse(e.response.content.text ?? "").status, expected);
    assertErrorsAreSpecific(entries);
  });
}
