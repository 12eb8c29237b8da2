/**
 * The ownership check and an insurance settlement as people run them: a real `start --dev` node
 * and real CLI processes (buyer, seller, owner, insurer), over real HTTP.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { NodeClient } from "../../src/clients/sdk/node-client.js";
import { readKeyFile } from "../../src/node/key-file.js";
import {
  type CliRun,
  cli,
  type DevNodeProcess,
  startDevNodeProcess,
} from "../support/cli-process.js";

const STOLEN = "490154203237518"; // the demo's: alice's, reported stolen by her and the police
const STOLEN_KEY = "imei:49015420323751";
const CLEAN = "356938035643809"; // the demo's: bob's

function ok(r: CliRun): string {
  assert.equal(r.code, 0, `exit ${r.code}; stderr: ${r.stderr}`);
  return r.stdout;
}

describe("ownership prove / verify and settle-claim, through the CLI", () => {
  let dir: string;
  let node: DevNodeProcess;
  const withNode = (args: string[]): Promise<CliRun> => cli([...args, "--node", node.url]);
  const key = (name: string): string => path.join(dir, "data", "keys", `${name}.key`);
  const file = (name: string): string => path.join(dir, name);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dc-ownership-"));
    node = await startDevNodeProcess(path.join(dir, "data"), ["--s13-port", "0"]);
  });
  after(async () => {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const challenge = async (): Promise<string> => {
    const c = JSON.parse(ok(await cli(["ownership", "challenge", "--json"]))).challenge;
    assert.match(c, /^[A-Za-z0-9_-]{43}$/);
    return c;
  };
  const prove = async (owner: string, device: string, c: string, out: string) =>
    ok(
      await withNode([
        "ownership",
        "prove",
        "--device",
        device,
        "--challenge",
        c,
        "--key",
        key(owner),
        "--out",
        out,
      ]),
    );
  const verify = (device: string, c: string, proof: string) =>
    withNode(["ownership", "verify", "--device", device, "--challenge", c, "--proof", proof]);

  test("the owner proves; a buyer's verify says so; another key is not the owner", async () => {
    const c = await challenge();
    assert.notEqual(c, await challenge(), "every challenge is fresh");
    await prove("alice", STOLEN, c, file("alice.proof"));
    const yes = await verify(STOLEN, c, file("alice.proof"));
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /is the current owner of imei:49015420323751/);

    await prove("bob", STOLEN, c, file("bob.proof"));
    const no = await verify(STOLEN, c, file("bob.proof"));
    assert.equal(no.code, 3, no.stderr);
    assert.match(no.stdout, /is not the owner/);

    // Offline with --chain: the same bytes, so the same (deterministic Ed25519) signature.
    const offline = JSON.parse(
      ok(
        await cli([
          "ownership",
          "prove",
          "--device",
          STOLEN,
          "--challenge",
          c,
          "--key",
          key("alice"),
          "--chain",
          "devicechain-dev",
          "--json",
        ]),
      ),
    );
    assert.deepEqual(offline, JSON.parse(readFileSync(file("alice.proof"), "utf8")));
  });

  test("a proof for another challenge or device is refused with a code", async () => {
    const c = await challenge();
    await prove("alice", STOLEN, c, file("old.proof"));
    const replay = await verify(STOLEN, await challenge(), file("old.proof"));
    assert.equal(replay.code, 1);
    assert.match(replay.stderr, /^error OWNERSHIP_PROOF_INVALID: /);
    // Bob's genuine proof for his own phone, shown for alice's phone.
    await prove("bob", CLEAN, c, file("bob-clean.proof"));
    const elsewhere = await verify(STOLEN, c, file("bob-clean.proof"));
    assert.match(elsewhere.stderr, /^error OWNERSHIP_PROOF_INVALID: /);
    const badChallenge = await withNode([
      "ownership",
      "prove",
      "--device",
      STOLEN,
      "--challenge",
      "short",
      "--key",
      key("alice"),
    ]);
    assert.match(badChallenge.stderr, /^error OWNERSHIP_CHALLENGE_INVALID: /);
  });

  test("the owner consents, the insurer settles and takes the title; ownership follows", async () => {
    const insurerKey = file("insurer.key");
    ok(await cli(["keys", "generate", "--out", insurerKey]));
    ok(
      await withNode([
        "tx",
        "admit",
        "--id",
        "insurer-a",
        "--role",
        "insurer",
        "--name",
        "Insurer A",
        "--member-key",
        insurerKey,
        "--key",
        key("regulator"),
      ]),
    );
    const consentFile = file("consent.json");
    const consent = await withNode([
      "consent",
      "insurance",
      "--device",
      STOLEN,
      "--insurer",
      insurerKey,
      "--claim",
      "CLM-7",
      "--key",
      key("alice"),
      "--out",
      consentFile,
    ]);
    ok(consent);
    const signed = JSON.parse(readFileSync(consentFile, "utf8"));
    assert.equal(signed.device, STOLEN_KEY);
    assert.equal(signed.chain, "devicechain-dev");
    // A consent to another claim is refused by the ledger.
    const wrong = await withNode([
      "tx",
      "settle-claim",
      "--device",
      STOLEN,
      "--claim",
      "CLM-8",
      "--consent",
      consentFile,
      "--key",
      insurerKey,
    ]);
    assert.match(wrong.stderr, /^error INSURANCE_CONSENT_INVALID: /);
    ok(
      await withNode([
        "tx",
        "settle-claim",
        "--device",
        STOLEN,
        "--claim",
        "CLM-7",
        "--consent",
        consentFile,
        "--key",
        insurerKey,
      ]),
    );

    const d = await new NodeClient(node.url).device(STOLEN);
    const insurer = readKeyFile(insurerKey).keyId;
    assert.equal(d.state, "stolen");
    assert.deepEqual(d.settlement && [d.settlement.insurer, d.settlement.claim], [
      insurer,
      "CLM-7",
    ]);

    const c = await challenge();
    await prove("alice", STOLEN, c, file("alice-after.proof"));
    assert.equal((await verify(STOLEN, c, file("alice-after.proof"))).code, 3);
    ok(
      await withNode([
        "ownership",
        "prove",
        "--device",
        STOLEN,
        "--challenge",
        c,
        "--key",
        insurerKey,
        "--out",
        file("insurer.proof"),
      ]),
    );
    assert.match(ok(await verify(STOLEN, c, file("insurer.proof"))), /is the current owner/);
  });
});
