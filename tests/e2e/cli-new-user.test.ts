/**
 * The CLI as a new user finds it (issue 12, part 9): each thing a first run tripped over, tried
 * the same way, against its own `start --dev` node and real CLI processes.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import {
  type CliRun,
  cli,
  type DevNodeProcess,
  REPO_ROOT as root,
  startDevNodeProcess,
} from "../support/cli-process.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));

describe("the CLI as a new user finds it", () => {
  let dir: string;
  let node: DevNodeProcess;
  /** host:port, as a user types it. */
  let hostPort: string;
  const withNode = (args: string[]): Promise<CliRun> =>
    cli([...args, "--node", `http://${hostPort}`]);
  const key = (name: string): string => path.join(dir, "data", "keys", `${name}.key`);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dc-cli-new-"));
    node = await startDevNodeProcess(path.join(dir, "data"), ["--s13-port", "-1"]);
    hostPort = node.url.replace(/^http:\/\//, "");
  });

  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("--version is package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    const r = await cli(["--version"]);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test("export --json --out: the file holds JSON Lines and stdout says what was written, as JSON", async () => {
    const file = path.join(dir, "devices.jsonl");
    const r = await withNode(["export", "--json", "--out", file]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    assert.deepEqual(summary, { file, devices: lines.length, format: "jsonl" });
    assert.ok(lines.length > 10_000, `${lines.length} lines`);
    assert.ok(lines.map((l) => JSON.parse(l)).some((d) => d.state === "stolen"));
    // Without --json: CSV in the file, and a sentence on stdout.
    const csv = path.join(dir, "devices.csv");
    const plain = await withNode(["export", "--out", csv]);
    assert.match(plain.stdout, new RegExp(`^exported ${lines.length} devices to `));
    const bad = await withNode(["export", "--out", path.join(dir, "missing", "x.csv")]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error REQUEST_BAD_PARAMS: Cannot write /);
  });

  test("import counts rows: a re-import rejects each row once, and in-file duplicates say so", async () => {
    const dual = [imei("35000000700001"), imei("35000001700001"), "02:AB:CD:00:07:01", "SN-701"];
    const rows = [
      dual.join(","),
      ...Array.from(
        { length: 13 },
        (_, i) => `${imei(`350000007${String(i + 10).padStart(5, "0")}`)},,,`,
      ),
    ];
    const file = path.join(dir, "fourteen.csv");
    writeFileSync(file, ["imei,imei2,mac,serial", ...rows].join("\n"));
    const first = await withNode(["import", file, "--key", key("acme-phones"), "--json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).accepted, 14);

    const again = await withNode(["import", file, "--key", key("acme-phones"), "--json"]);
    assert.equal(again.code, 1);
    const summary = JSON.parse(again.stdout);
    assert.equal(summary.accepted, 0);
    assert.equal(summary.rejected, 14);
    assert.deepEqual(
      summary.rejections.map((r: { line: number }) => r.line),
      Array.from({ length: 14 }, (_, i) => i + 2),
    );
    // The dual-IMEI row, once, naming what it refused as the file wrote it.
    assert.deepEqual(summary.rejections[0], {
      line: 2,
      code: "DEVICE_EXISTS",
      id: dual[0],
      ids: dual,
    });
    for (const m of again.stderr.matchAll(/\((\d+)%\)/g)) assert.ok(Number(m[1]) <= 100, m[0]);
    assert.match(again.stderr, /importing: 14\/14 \(100%\)/);

    const dupes = path.join(dir, "dupes.csv");
    const fresh = imei("35000000700099");
    writeFileSync(dupes, ["imei,serial", `${fresh},`, `${fresh},`, ",sn-701"].join("\n"));
    const human = await withNode(["import", dupes, "--key", key("acme-phones")]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /^accepted 1 row\(s\) in 1 transaction\(s\); rejected 2 row\(s\)$/m);
    assert.match(
      human.stdout,
      new RegExp(`^  line 3: DEVICE_EXISTS ${fresh}: duplicate of line 2$`, "m"),
    );
    assert.match(
      human.stdout,
      /^ {2}line 4: DEVICE_EXISTS sn-701: An identifier is already registered/m,
    );
  });

  test("keys generate into a missing directory is a coded error naming the directory", async () => {
    const missing = path.join(dir, "no", "such");
    const r = await cli(["keys", "generate", "--out", path.join(missing, "x.key")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error KEY_FILE_INVALID: /);
    assert.ok(r.stderr.includes(`the directory ${missing} does not exist`), r.stderr);
    const json = await cli(["keys", "generate", "--out", path.join(missing, "x.key"), "--json"]);
    assert.equal(JSON.parse(json.stderr).error.code, "KEY_FILE_INVALID");
  });

  test("--node host:port without a scheme means http://; a scheme that is not http(s) is refused", async () => {
    const bare = await cli(["status", "--node", hostPort, "--json"]);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(JSON.parse(bare.stdout).chainId, "devicechain-dev");
    const fromEnv = await cli(["status", "--json"], { DEVICECHAIN_NODE: hostPort });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const tcp = await cli(["status", "--node", `tcp://${hostPort}`]);
    assert.equal(tcp.code, 1);
    assert.match(tcp.stderr, /^error REQUEST_BAD_PARAMS: .*http:\/\/ or https:\/\//);
  });

  test("devices print as the user typed them: 15-digit IMEIs, not 14-digit registry keys", async () => {
    const device = await withNode(["device", "490154203237518"]);
    assert.match(device.stdout, /^device {6}490154203237518$/m);
    assert.match(device.stdout, /^identifiers 490154203237518, 02-DC-49-01-54-20$/m);
    assert.doesNotMatch(device.stdout, /imei:/);
    const history = await withNode(["history", "imei-490154203237518"]);
    assert.match(history.stdout, /^history of 490154203237518$/m);
    const csv = path.join(dir, "shown.csv");
    await withNode(["export", "--out", csv]);
    assert.ok(
      readFileSync(csv, "utf8")
        .split("\n")
        .some((l) => l.startsWith("490154203237518,490154203237518 02-DC-49-01-54-20,stolen,")),
    );
    // --json stays the node's own reply, with registry keys, for scripts.
    const json = JSON.parse((await withNode(["device", "490154203237518", "--json"])).stdout);
    assert.equal(json.id, "imei:49015420323751");
  });

  test("no command in the README or the docs runs npx or npm exec, which may fetch another's package", () => {
    const docs = readdirSync(path.join(root, "docs")).map((f) => path.join("docs", f));
    for (const file of ["README.md", ...docs]) {
      const text = readFileSync(path.join(root, file), "utf8");
      assert.doesNotMatch(text, /^\s*(?:npx|npm exec) /m, file);
    }
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    assert.equal(pkg.private, true, "package.json is private: never published");
  });
});
