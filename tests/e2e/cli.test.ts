/** The devicechain CLI as a user runs it: a real `start --dev` node and real CLI processes. */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { NodeClient } from "../../src/clients/sdk/node-client.js";
import { buildTx } from "../../src/clients/sdk/tx-builder.js";
import { isError } from "../../src/core/errors/devicechain-error.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import { readKeyFile } from "../../src/node/key-file.js";
import {
  type CliRun,
  cli,
  type DevNodeProcess,
  startDevNodeProcess,
} from "../support/cli-process.js";

/** The JSON a successful run printed; a failed run fails the test with its stderr. */
function json(r: CliRun) {
  assert.equal(r.code, 0, `exit ${r.code}; stderr: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));

describe("devicechain CLI", () => {
  let dir: string;
  let node: DevNodeProcess;
  let url: string;
  const withNode = (args: string[]): Promise<CliRun> => cli([...args, "--node", url]);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dc-cli-"));
    node = await startDevNodeProcess(path.join(dir, "data"), ["--s13-port", "0"]);
    url = node.url;
  });

  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const key = (name: string): string => path.join(dir, "data", "keys", `${name}.key`);

  test("keys generate writes a 0600 key file; keys show reads it back", async () => {
    const file = path.join(dir, "mine.key");
    const gen = await cli(["keys", "generate", "--out", file, "--json"]);
    assert.equal(gen.code, 0, gen.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const show = await cli(["keys", "show", "--key", file, "--json"]);
    assert.equal(JSON.parse(show.stdout).keyId, JSON.parse(gen.stdout).keyId);
    const again = await cli(["keys", "generate", "--out", file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error REQUEST_BAD_PARAMS: /);
  });

  test("the demo's devices: stolen and clean, with their history", async () => {
    const stolen = json(await withNode(["device", "490154203237518", "--json"]));
    assert.deepEqual([stolen.state, stolen.equipmentStatus], ["stolen", "BLACKLISTED"]);
    const clean = await withNode(["device", "imei-356938035643809"]);
    assert.match(clean.stdout, /state\s+active/);
    assert.match(clean.stdout, /EIR status\s+WHITELISTED/);
    const history = json(await withNode(["history", "490154203237518", "--json"]));
    assert.deepEqual(
      history.history.map((h: { event: string }) => h.event),
      ["registered", "sold", "reported_stolen", "reported_stolen"],
    );
    const status = json(await withNode(["status", "--json"]));
    assert.equal(status.chainId, "devicechain-dev");
    assert.equal(status.dev, true);
  });

  test("errors print the code and a sentence, and exit non-zero", async () => {
    const unknown = await withNode(["device", "490154203237500"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error DEVICE_UNKNOWN: \S/);
    const badDigit = await withNode(["device", "490154203237519", "--json"]);
    assert.equal(JSON.parse(badDigit.stderr).error.code, "IMEI_BAD_CHECK_DIGIT");
    const role = await withNode([
      "tx",
      "block",
      "--device",
      "356938035643809",
      "--reason",
      "fraud",
      "--key",
      key("shop"),
    ]);
    assert.match(role.stderr, /^error ROLE_FORBIDDEN: /);
    // A stranger's key: a valid signature, but not the owner's.
    const stranger = path.join(dir, "stranger.key");
    assert.equal((await cli(["keys", "generate", "--out", stranger])).code, 0);
    const notOwner = await withNode([
      "tx",
      "report",
      "--device",
      "356938035643809",
      "--kind",
      "stolen",
      "--key",
      stranger,
    ]);
    assert.equal(notOwner.code, 1);
    // A key that is no member's and owns nothing may only accept an offer addressed to it.
    assert.match(notOwner.stderr, /^error ACCOUNT_UNKNOWN: /);
    const broken = path.join(dir, "broken.key");
    writeFileSync(broken, '{"type":"ed25519","seed":"abc"}');
    const badKey = await withNode(["tx", "scrap", "--device", "356938035643809", "--key", broken]);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /^error KEY_FILE_INVALID: /);
    const noNode = await cli(["status", "--node", "http://127.0.0.1:9"]);
    assert.match(noNode.stderr, /^error NODE_UNAVAILABLE: /);
    const usage = await cli(["tx", "report", "--device", "356938035643809"]);
    assert.equal(usage.code, 2);
  });

  test("the SDK turns a forged signature into TX_BAD_SIGNATURE", async () => {
    const client = new NodeClient(url);
    const bob = readKeyFile(key("bob"));
    const alice = readKeyFile(key("alice"));
    const { chainId } = await client.status();
    const nonce = (await client.account(bob.keyId)).nextNonce;
    const tx = buildTx(bob, chainId, nonce, "report.file", {
      device: "356938035643809",
      kind: "lost",
    });
    // Bob's body with Alice's signature over it.
    const forged = {
      ...tx,
      sig: buildTx(alice, chainId, nonce, "report.file", tx.body.params).sig,
    };
    await assert.rejects(client.submit(forged), (e) => isError(e, "TX_BAD_SIGNATURE"));
  });

  test("an offer is accepted by its id; an acceptance naming another offer is refused", async () => {
    const phone = "356938035643809";
    const give = (from: string, to: string) =>
      withNode(["tx", "offer", "--device", phone, "--to", key(to), "--key", key(from), "--json"]);
    const accept = (who: string, offer: string) =>
      withNode(["tx", "accept", "--device", phone, "--offer", offer, "--key", key(who), "--json"]);
    const offer = json(await give("bob", "alice"));
    assert.equal(json(await withNode(["device", phone, "--json"])).offer.id, offer.hash);
    const stale = await accept("alice", "0".repeat(64));
    assert.equal(stale.code, 1);
    assert.equal(JSON.parse(stale.stderr).error.code, "OFFER_CHANGED");
    assert.equal(json(await accept("alice", offer.hash)).code, 0);
    // And back to Bob, by the id of Alice's own offer.
    const back = json(await give("alice", "bob"));
    assert.equal(json(await accept("bob", back.hash)).code, 0);
    assert.equal(json(await withNode(["device", phone, "--json"])).offer, undefined);
  });

  test("bob reports his phone stolen and every answer changes", async () => {
    const r = await withNode([
      "tx",
      "report",
      "--device",
      "356938035643809",
      "--kind",
      "stolen",
      "--key",
      key("bob"),
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).code, 0);
    const eir = await fetch(`${url}/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809`).then(
      (x) => x.json(),
    );
    assert.deepEqual(eir, { status: "BLACKLISTED" });
    const replay = await withNode([
      "tx",
      "report",
      "--device",
      "356938035643809",
      "--kind",
      "lost",
      "--key",
      key("bob"),
      "--nonce",
      "1",
    ]);
    assert.match(replay.stderr, /^error TX_NONCE_REPLAYED: /);
  });

  test("import registers good rows and names each rejected row with its code", async () => {
    const csv = [
      "imei,imei2,mac,serial",
      `${imei("35000000500001")},,,`,
      `${imei("35000000500002")},${imei("35000001500002")},02:AB:CD:00:00:01,SN-77`,
      "490154203237519,,,", // wrong check digit
      `${imei("36000000000001")},,,`, // a TAC that is not acme's
      `${imei("35000000500001")},,,`, // a duplicate of line 2
      "490154203237518,,,", // already registered by the demo
    ].join("\n");
    const file = path.join(dir, "devices.csv");
    writeFileSync(file, csv);
    const r = await withNode(["import", file, "--key", key("acme-phones"), "--json"]);
    assert.equal(r.code, 1, `some rows were rejected; stderr: ${r.stderr}`);
    assert.notEqual(r.stdout, "", r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.accepted, 2);
    assert.deepEqual(
      summary.rejections.map((x: { line: number; code: string }) => [x.line, x.code]),
      [
        [4, "IMEI_BAD_CHECK_DIGIT"],
        [5, "TAC_NOT_ALLOCATED"],
        [6, "DEVICE_EXISTS"],
        [7, "DEVICE_EXISTS"],
      ],
    );
    const dual = json(await withNode(["device", imei("35000001500002"), "--json"]));
    assert.equal(dual.id, `imei:35000000500002`);
    assert.ok(dual.ids.includes("serial:acme-phones:SN-77"));
  });

  test("export writes every device as CSV", async () => {
    const out = path.join(dir, "export.csv");
    const r = await withNode(["export", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    assert.equal(lines[0], "id,ids,state,equipment_status,manufacturer,owner_fingerprint");
    assert.ok(lines.length > 10_000, `${lines.length} lines`);
    assert.ok(
      lines.some((l) => l.startsWith("490154203237518,") && l.includes(",stolen,BLACKLISTED,")),
    );
  });

  test("clones: suspect-clone, pair and unpair compute hashes locally; answers follow", async () => {
    // The demo's dual-SIM phone 50: paired through its second IMEI, checked through both.
    const first = imei("35000000000050");
    const second = imei("35000001000050");
    const evidence = path.join(dir, "evidence.json");
    writeFileSync(evidence, '{"subscribers":2}');
    const tx = (args: string[], signer: string) =>
      withNode(["tx", ...args, "--key", key(signer), "--json"]);
    json(
      await tx(
        [
          "suspect-clone",
          "--device",
          first,
          "--rule",
          "imei-multi-subscriber",
          "--evidence-file",
          evidence,
        ],
        "operator-a",
      ),
    );
    const status = async (pei: string, supi?: string) =>
      (
        (await (
          await fetch(
            `${url}/n5g-eir-eic/v1/equipment-status?pei=imei-${pei}${supi ? `&supi=${supi}` : ""}`,
          )
        ).json()) as { status: string }
      ).status;
    assert.equal(await status(first), "GREYLISTED");
    const genesis = path.join(dir, "data", "genesis.json");
    const pairing = [
      "--device",
      second,
      "--subscriber",
      "imsi-001010000000001",
      "--genesis",
      genesis,
    ];
    json(await tx(["pair", ...pairing], "regulator"));
    assert.equal(await status(first, "imsi-001010000000001"), "WHITELISTED");
    assert.equal(await status(second, "imsi-001010000000001"), "WHITELISTED");
    assert.equal(await status(first, "imsi-001010000000002"), "BLACKLISTED");
    assert.equal(await status(first), "GREYLISTED");
    const again = await tx(["pair", ...pairing], "regulator");
    assert.equal(JSON.parse(again.stderr).error.code, "PAIRING_EXISTS");
    // The same subscriber as an S13 User-Name (bare IMSI) names the same pairing.
    json(
      await tx(
        ["unpair", "--device", first, "--subscriber", "001010000000001", "--genesis", genesis],
        "regulator",
      ),
    );
    assert.equal(await status(first, "imsi-001010000000001"), "GREYLISTED");
    json(await tx(["clear-clone", "--device", first], "regulator"));
    assert.equal(await status(first), "WHITELISTED");
  });

  test("set-validator refuses a key file with no Ed25519 pub_key and a bad power, signing nothing", async () => {
    const setValidator = (pubKey: string, power: string) =>
      withNode([
        "tx",
        "set-validator",
        "--member",
        "operator-a",
        "--pub-key",
        pubKey,
        "--power",
        power,
        "--key",
        key("regulator"),
      ]);
    const notJson = path.join(dir, "not-a-key.json");
    writeFileSync(notJson, "not json");
    const secp = path.join(dir, "secp.json");
    writeFileSync(secp, '{"type":"tendermint/PubKeySecp256k1","value":"A1b2"}');
    const account = `${url}/v1/accounts/${readKeyFile(key("regulator")).keyId}`;
    const nextNonce = async () =>
      ((await (await fetch(account)).json()) as { nextNonce: number }).nextNonce;
    const before = await nextNonce();
    for (const [pubKey, power, pattern] of [
      [notJson, "10", /neither a base64 Ed25519 key nor a readable JSON key file/],
      [secp, "10", /holds no Ed25519 pub_key/],
      ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "-1", /--power is a whole number/],
    ] as const) {
      const r = await setValidator(pubKey, power);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error REQUEST_BAD_PARAMS: /);
      assert.match(r.stderr, pattern);
    }
    assert.equal(await nextNonce(), before, "nothing was submitted");
  });
});
