/**
 * Check reports over real HTTP: a `start --dev` node with the demo data, asked by the SDK and by
 * the CLI, each report verified under the node key the node names at /v1/webhooks/signing-key.
 * Single checks are a keyless buyer's, on the public tier; the bulk check needs an API key, made
 * by `devicechain access key create` against the running node's data directory.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DEMO_CLEAN_IMEI, DEMO_STOLEN_IMEI } from "../../src/clients/demo/demo-consortium.js";
import { NodeClient } from "../../src/clients/sdk/node-client.js";
import { verifyCheckReport } from "../../src/core/check/report-signature.js";
import { isError } from "../../src/core/errors/devicechain-error.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import { readKeyFile } from "../../src/node/key-file.js";
import { cli, type DevNodeProcess, startDevNodeProcess } from "../support/cli-process.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));

describe("check reports on a dev node", () => {
  let dir: string;
  let node: DevNodeProcess;
  let client: NodeClient;
  let nodeKey: string;
  /** A marketplace's key (plan business), made by the CLI while the node runs. */
  let apiKey: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dc-check-"));
    node = await startDevNodeProcess(path.join(dir, "data"), ["--s13-port", "-1"]);
    client = new NodeClient(node.url, 10_000);
    const res = await fetch(`${node.url}/v1/webhooks/signing-key`, {
      signal: AbortSignal.timeout(10_000),
    });
    nodeKey = ((await res.json()) as { keyId: string }).keyId;
    const created = await cli([
      "--json",
      "access",
      "key",
      "create",
      "--org",
      "Resale Market",
      "--plan",
      "business",
      "--data",
      path.join(dir, "data"),
    ]);
    assert.equal(created.code, 0, created.stderr);
    apiKey = (JSON.parse(created.stdout) as { key: string }).key;
  });

  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the node signs with the key in its data directory", () => {
    assert.equal(nodeKey, readKeyFile(path.join(dir, "data", "node.key")).keyId);
  });

  test("the demo's phones: stolen, clean, lost, blocked and unregistered, each signed", async () => {
    const cases: [string, string, string[]][] = [
      [DEMO_STOLEN_IMEI, "failed", ["stolen"]],
      [DEMO_CLEAN_IMEI, "passed", []],
      [imei("35000000000001"), "failed", ["lost"]],
      [imei("35000000000002"), "failed", ["blocked"]],
      [imei("35693803999999"), "caution", ["unregistered"]],
    ];
    for (const [id, verdict, reasons] of cases) {
      const r = verifyCheckReport(await client.check(id), [nodeKey]);
      assert.equal(r.verdict, verdict, id);
      assert.deepEqual(r.reasons, reasons, id);
    }
    const stolen = await client.check(DEMO_STOLEN_IMEI);
    assert.equal(stolen.model?.brand, "Nokia");
    assert.deepEqual(
      stolen.history.map((e) => [e.kind, e.actorRole]),
      [
        ["registered", "manufacturer"],
        ["sold", "retailer"],
        ["reported_stolen", "owner"],
        ["reported_stolen", "law_enforcement"],
      ],
    );
    assert.ok(stolen.history.every((e) => e.actorRole === "owner" || e.organisation));
  });

  test("a bad check digit is the identifier's coded 400, over HTTP", async () => {
    await assert.rejects(client.check("490154203237519"), (e) =>
      isError(e, "IMEI_BAD_CHECK_DIGIT"),
    );
  });

  test("a bulk check over HTTP needs a key: without one a coded 401", async () => {
    await assert.rejects(client.checkMany([DEMO_STOLEN_IMEI]), (e) =>
      isError(e, "ACCESS_KEY_REQUIRED"),
    );
  });

  test("a bulk check over HTTP with a key: one height, errors inline", async () => {
    const ids = [DEMO_STOLEN_IMEI, "nonsense", DEMO_CLEAN_IMEI];
    const { results } = await client.checkMany(ids, apiKey);
    assert.equal(results.length, 3);
    const [a, b, c] = results;
    assert.ok(a && "report" in a && c && "report" in c && b && "error" in b);
    assert.equal(b.error.code, "IDENTIFIER_UNRECOGNISED");
    assert.equal(a.report.height, c.report.height);
    verifyCheckReport(c.report, [nodeKey]);
  });

  test("a key's single check is answered at its plan's rate, not the public tier's", async () => {
    const res = await fetch(`${node.url}/v1/check/${DEMO_CLEAN_IMEI}`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("ratelimit-limit"), "600", "business: 600 checks a minute");
    assert.match(res.headers.get("x-request-id") ?? "", /./, "metered: it has a request id");
    verifyCheckReport(await res.json(), [nodeKey]);
    assert.equal((await client.check(DEMO_CLEAN_IMEI, apiKey)).verdict, "passed");
  });

  test("devicechain check prints the verdict in words and verifies with --node-key", async () => {
    const keyFile = path.join(dir, "data", "node.key");
    const human = await cli(["check", DEMO_STOLEN_IMEI, "--node", node.url, "--node-key", keyFile]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^verdict +FAILED: do not buy this device$/m);
    assert.match(human.stdout, /because +reported stolen/);
    assert.match(human.stdout, /Nokia 3110/);
    assert.match(human.stdout, new RegExp(`signature +verified: node key ${nodeKey}`));
    const json = await cli(["check", DEMO_CLEAN_IMEI, "--node", node.url, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).verdict, "passed");
    // Another key than the node's: the report is refused, with its code.
    const wrong = await cli([
      "check",
      DEMO_CLEAN_IMEI,
      "--node",
      node.url,
      "--node-key",
      path.join(dir, "data", "keys", "alice.key"),
    ]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^error CHECK_REPORT_SIGNER_UNTRUSTED: /);
  });

  test("devicechain checkpoint writes the node's trust, and check --trust verifies the proof", async () => {
    const trustFile = path.join(dir, "checkpoint.json");
    const made = await cli(["checkpoint", "--node", node.url, "--out", trustFile]);
    assert.equal(made.code, 0, made.stderr);
    const trust = JSON.parse(readFileSync(trustFile, "utf8")) as Record<string, unknown>;
    assert.deepEqual(trust, { chainId: "devicechain-dev", nodeKeys: [nodeKey] });
    const checked = await cli([
      "check",
      DEMO_STOLEN_IMEI,
      "--node",
      node.url,
      "--trust",
      trustFile,
    ]);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /^proof +verified against .*: the ledger's record at height \d+/m);
    // A trust naming another key: the bundle's header is not signed by it.
    const otherFile = path.join(dir, "other.json");
    writeFileSync(otherFile, JSON.stringify({ ...trust, nodeKeys: ["A".repeat(43)] }));
    const refused = await cli(["check", DEMO_CLEAN_IMEI, "--node", node.url, "--trust", otherFile]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error HEADER_SIGNER_UNTRUSTED: /);
  });
});
