/**
 * Fault tests with real processes on loopback: a 4-validator demo consortium (CometBFT v0.38.25
 * plus one devicechain process per member). Validators are killed with SIGKILL, split below
 * quorum, and one has its LMDB edited; the chain must stay live with 3 of 4, stop (and never
 * diverge) with 2 of 4, and every node that runs must agree on the app hash, height by height.
 * The tests share one network and run in order; each is bounded in time.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { open } from "lmdb";
import {
  DEMO_CLEAN_IMEI,
  DEMO_STOLEN_IMEI,
  demoSigner,
} from "../../src/clients/demo/demo-consortium.js";
import { appDir, nodeDir } from "../../src/clients/net/net-layout.js";
import { alive, readPids, startNode } from "../../src/clients/net/net-processes.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import { signed } from "../support/signers.js";
import {
  appHashAt,
  getJson,
  postTx,
  type Reply,
  sleep,
  startTestNet,
  statusOf,
  type TestNet,
  waitFor,
} from "./test-net.js";

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
const bulk = (i: number): string => imei(`35000000${String(i).padStart(6, "0")}`);

let net: TestNet;

async function nextNonce(signer: Signer, node = 0): Promise<number> {
  const r = await getJson(`${net.url(node)}/v1/accounts/${signer.keyId}`);
  return r.body.nextNonce as number;
}

async function eirStatus(node: number, id: string): Promise<string | undefined> {
  const r = await getJson(`${net.url(node)}/n5g-eir-eic/v1/equipment-status?pei=imei-${id}`, 2000);
  return r.body.status as string | undefined;
}

function kill(node: number, which: "app" | "cometbft" | "both"): void {
  const pids = readPids(net.dir, net.node(node).name);
  for (const p of which === "both" ? [pids.cometbft, pids.app] : [pids[which]]) {
    if (alive(p)) process.kill(p!, "SIGKILL");
  }
}

async function waitGone(pid: number | undefined, timeoutMs = 15_000): Promise<void> {
  await waitFor(`process ${pid} to exit`, async () => !alive(pid), timeoutMs);
}

const restart = (node: number): Promise<void> =>
  startNode(net.dir, net.node(node), { watchPid: process.pid, timeoutMs: 60_000 });

/** Wait until every listed node has reached `height`, then require one app hash there. */
async function assertSameAppHash(
  nodes: number[],
  height: number,
  timeoutMs = 60_000,
): Promise<void> {
  const hashes: (string | undefined)[] = [];
  await waitFor(
    `nodes ${nodes.join(",")} at height ${height}`,
    async () => {
      for (const [k, i] of nodes.entries()) hashes[k] = await appHashAt(net.url(i), height);
      return hashes.every((h) => h !== undefined);
    },
    timeoutMs,
  );
  assert.equal(new Set(hashes).size, 1, `app hashes at ${height}: ${hashes.join(" ")}`);
}

async function heightOf(node: number): Promise<number> {
  const s = await statusOf(net.url(node));
  if (!s) throw new Error(`node ${node} does not answer`);
  return s.height;
}

/**
 * Load: the regulator blocks bulk demo devices one transaction at a time, sending to the live
 * nodes in turn. A send that fails (its node was killed) re-reads the nonce and goes on.
 */
class Load {
  committed = 0;
  private stopped = false;
  private running: Promise<void> | undefined;
  private next = 1000;

  constructor(private readonly nodes: () => number[]) {}

  start(): void {
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const regulator = demoSigner("regulator");
    let nonce = await nextNonce(regulator);
    let turn = 0;
    while (!this.stopped) {
      const targets = this.nodes();
      const node = targets[turn++ % targets.length]!;
      const device = bulk(this.next++);
      try {
        const r = await postTx(
          net.url(node),
          signed(regulator, nonce, "device.block", { device, reason: "fraud" }, net.chainId),
          15_000,
        );
        if (r.status === 200) this.committed++;
        nonce++;
      } catch {
        await sleep(200);
        nonce = await nextNonce(regulator, this.nodes()[0]).catch(() => nonce);
      }
    }
  }
}

const BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../bin/devicechain.js",
);

/** Run the devicechain CLI; its exit code and output. */
function devicechain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("a 4-validator consortium under faults", { timeout: 600_000 }, () => {
  before(async () => {
    net = await startTestNet({ validators: 4, fullNodes: 1, demo: true });
    // The demo is seeded through consensus by the first node: wait for its last transaction.
    await waitFor(
      "the demo consortium to be seeded",
      async () => (await eirStatus(3, DEMO_STOLEN_IMEI)) === "BLACKLISTED",
      120_000,
    );
  });
  after(() => net?.close());

  test("1. a stolen report submitted at node 1 is BLACKLISTED on all 4 nodes", {
    timeout: 60_000,
  }, async () => {
    for (let i = 0; i < 4; i++) assert.equal(await eirStatus(i, DEMO_CLEAN_IMEI), "WHITELISTED");
    const bob = demoSigner("bob");
    const started = Date.now();
    const r = await postTx(
      net.url(0),
      signed(
        bob,
        await nextNonce(bob),
        "report.file",
        {
          device: DEMO_CLEAN_IMEI,
          kind: "stolen",
        },
        net.chainId,
      ),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await waitFor(
      "all 4 nodes to answer BLACKLISTED",
      async () => {
        const all = await Promise.all([0, 1, 2, 3, 4].map((i) => eirStatus(i, DEMO_CLEAN_IMEI)));
        return all.every((s) => s === "BLACKLISTED");
      },
      10_000,
    );
    process.stderr.write(
      `# stolen report to BLACKLISTED on 4 validators and a full node: ${Date.now() - started} ms\n`,
    );
    await assertSameAppHash([0, 1, 2, 3], r.body.height as number);
  });

  test("2. a validator killed with SIGKILL: the chain goes on; restarted, it catches up", {
    timeout: 120_000,
  }, async () => {
    const load = new Load(() => [0, 1, 2]);
    load.start();
    try {
      await sleep(1000);
      kill(3, "both");
      const h0 = await heightOf(0);
      const c0 = load.committed;
      await waitFor("3 validators to commit more blocks with transactions", async () => {
        return (await heightOf(0)) >= h0 + 3 && load.committed >= c0 + 5;
      });
      await restart(3);
    } finally {
      await load.stop();
    }
    const target = await heightOf(0);
    await assertSameAppHash([0, 1, 2, 3], target);
  });

  test("3. a node's app process killed with SIGKILL under load: the handshake replays and it agrees", {
    timeout: 120_000,
  }, async () => {
    const load = new Load(() => [0, 1]);
    load.start();
    try {
      await sleep(1500);
      const pids = readPids(net.dir, net.node(2).name);
      kill(2, "app");
      // CometBFT stops by itself when it loses its app (SIGTERM to itself); restart() makes sure.
      await waitGone(pids.cometbft).catch(() => undefined);
      const c0 = load.committed;
      await waitFor("the others to keep committing", async () => load.committed >= c0 + 3);
      await restart(2);
      const h = await heightOf(0);
      await assertSameAppHash([0, 1, 2], h);
    } finally {
      await load.stop();
    }
    const log = readFileSync(path.join(nodeDir(net.dir, net.node(2).name), "cometbft.log"), "utf8");
    assert.match(log, /ABCI Handshake App Info/);
    await assertSameAppHash([0, 1, 2, 3], await heightOf(0));
  });

  test("4. with two of four validators down nothing commits or diverges; one back and commits resume", {
    timeout: 120_000,
  }, async () => {
    kill(2, "both");
    kill(3, "both");
    await sleep(1500);
    const before = [await heightOf(0), await heightOf(1)];
    const regulator = demoSigner("regulator");
    const tx = signed(
      regulator,
      await nextNonce(regulator),
      "device.block",
      {
        device: bulk(5000),
        reason: "fraud",
      },
      net.chainId,
    );
    const pending = postTx(net.url(0), tx, 60_000);
    await sleep(4000);
    const during = [await heightOf(0), await heightOf(1)];
    // At most the block already in flight when they went down may land.
    assert.ok(
      during[0]! <= Math.max(...before) + 1 && during[1]! <= Math.max(...before) + 1,
      `heights ${before} → ${during}`,
    );
    assert.equal(await eirStatus(0, bulk(5000)), "WHITELISTED", "committed without a quorum");
    const common = Math.min(...during);
    await assertSameAppHash([0, 1], common);

    await restart(2);
    const r: Reply = await pending;
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok((r.body.height as number) > common);
    await restart(3);
    await assertSameAppHash([0, 1, 2, 3], await heightOf(0));
  });

  test("6. a node that crashes before answering: the transaction commits once or is refused, never twice", {
    timeout: 120_000,
  }, async () => {
    const regulator = demoSigner("regulator");
    const device = bulk(6000);
    const tx = signed(
      regulator,
      await nextNonce(regulator),
      "device.block",
      {
        device,
        reason: "fraud",
      },
      net.chainId,
    );
    const first = postTx(net.url(2), tx, 10_000).then(
      (r) => r,
      (e: unknown) => e as Error,
    );
    await sleep(30);
    const pids = readPids(net.dir, net.node(2).name);
    kill(2, "app");
    const answer = await first;
    await waitGone(pids.cometbft).catch(() => undefined);
    // The client never heard back, so it sends the same signed bytes again, to another node.
    const again = await postTx(net.url(0), tx, 30_000);
    const code = (again.body.error as { code?: string } | undefined)?.code;
    assert.ok(
      again.status === 200 || code === "TX_NONCE_REPLAYED",
      `first: ${answer instanceof Error ? answer.message : answer.status}; again: ${JSON.stringify(again.body)}`,
    );
    await restart(2);
    const h = await heightOf(0);
    await assertSameAppHash([0, 1, 2, 3], h);
    for (const i of [0, 1, 2, 3]) {
      const d = await getJson(`${net.url(i)}/v1/devices/${device}/history`);
      const entries = (d.body.history ?? d.body.entries ?? d.body) as { event: string }[];
      const blocks = (Array.isArray(entries) ? entries : []).filter((e) => e.event === "blocked");
      assert.equal(blocks.length, 1, `node ${i}: ${JSON.stringify(d.body)}`);
      assert.equal(await eirStatus(i, device), "BLACKLISTED");
    }
  });

  test("7. the regulator admits a member's validator key, then removes it: no restart", {
    timeout: 120_000,
  }, async () => {
    const rpc = `http://127.0.0.1:${net.node(0).ports.rpc}`;
    const validators = async (): Promise<string[]> => {
      const r = await getJson(`${rpc}/validators`);
      const list = (r.body.result as { validators: { pub_key: { value: string } }[] }).validators;
      return list.map((v) => v.pub_key.value).sort();
    };
    assert.equal((await validators()).length, 4);
    const member = net.node(4).name; // the full node's member (police in the demo)
    const keyFile = path.join(
      nodeDir(net.dir, member),
      "cometbft",
      "config",
      "priv_validator_key.json",
    );
    const pubKey = (JSON.parse(readFileSync(keyFile, "utf8")) as { pub_key: { value: string } })
      .pub_key.value;
    const regulator = demoSigner("regulator");
    // Admitted with the CLI, as DEPLOYMENT.md tells a regulator: the key file as the member sent it.
    const admitted = await devicechain([
      "tx",
      "set-validator",
      "--member",
      member,
      "--pub-key",
      keyFile,
      "--power",
      "10",
      "--key",
      path.join(net.dir, "keys", "regulator.key"),
      "--node",
      net.url(1),
      "--json",
    ]);
    assert.equal(admitted.code, 0, admitted.stderr);
    assert.equal((JSON.parse(admitted.stdout) as { code: number }).code, 0, admitted.stdout);
    const set = async (power: number): Promise<Reply> =>
      postTx(
        net.url(1),
        signed(
          regulator,
          await nextNonce(regulator, 1),
          "validator.set",
          {
            member,
            pubKey,
            power,
          },
          net.chainId,
        ),
      );
    await waitFor(
      "CometBFT to have 5 validators",
      async () => (await validators()).includes(pubKey),
      20_000,
    );
    // The new validator signs: the latest block's last commit carries 5 signatures.
    const commitsBy = async (): Promise<boolean> => {
      const r = await getJson(`${rpc}/block`);
      const block = (
        r.body.result as { block: { last_commit: { signatures: { validator_address: string }[] } } }
      ).block;
      return block.last_commit.signatures.filter((s) => s.validator_address).length === 5;
    };
    await waitFor("a commit signed by 5 validators", commitsBy, 20_000);
    const removed = await set(0);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    await waitFor(
      "CometBFT to be back to 4 validators",
      async () => (await validators()).length === 4,
      20_000,
    );
    const last = await set(0);
    assert.equal((last.body.error as { code?: string }).code, "VALIDATOR_UNKNOWN");
    await assertSameAppHash([0, 1, 2, 3, 4], await heightOf(0));
  });

  test("5. a node whose LMDB was edited halts at the next block that reads it; the others go on", {
    timeout: 120_000,
  }, async () => {
    const victim = 3;
    const device = bulk(7000);
    // Edit the device record in node 4's LMDB behind its back, while it runs.
    const env = open({
      path: path.join(appDir(net.dir, net.node(victim).name), "ledger"),
      compression: false,
    });
    const state = env.openDB<string, string>({ name: "state", encoding: "string" });
    let key: string | undefined;
    for (const { key: k, value } of state.getRange({ start: "device/", end: "device0" })) {
      if (value.includes(device.slice(0, 14))) {
        key = k;
        break;
      }
    }
    assert.ok(key, "the device record is in node 4's state");
    const value = state.get(key)!;
    await state.put(key, value.replace('"acme-phones"', '"evil-phones"'));
    await env.close();

    const pids = readPids(net.dir, net.node(victim).name);
    const regulator = demoSigner("regulator");
    const r = await postTx(
      net.url(0),
      signed(
        regulator,
        await nextNonce(regulator),
        "device.block",
        {
          device,
          reason: "fraud",
        },
        net.chainId,
      ),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await waitGone(pids.app, 30_000);
    await waitGone(pids.cometbft, 30_000);
    const log = readFileSync(path.join(nodeDir(net.dir, net.node(victim).name), "app.log"), "utf8");
    assert.match(log, /LEDGER_CORRUPT/);
    assert.match(log, /halting/);
    // The others go on committing and agree.
    const h = await heightOf(0);
    const more = await postTx(
      net.url(1),
      signed(
        regulator,
        await nextNonce(regulator, 1),
        "device.block",
        {
          device: bulk(7001),
          reason: "fraud",
        },
        net.chainId,
      ),
    );
    assert.equal(more.status, 200, JSON.stringify(more.body));
    assert.ok((more.body.height as number) > h);
    await assertSameAppHash([0, 1, 2], more.body.height as number);
  });
});
