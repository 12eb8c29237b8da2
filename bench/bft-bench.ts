/**
 * `npm run bench -- bft`: a real 4-validator consortium on loopback (4 cometbft and 4
 * devicechain processes), with the LAN consensus timeouts `net init` writes.
 * - propagation_p50_s / _p99_s: a stolen report submitted to one node (in turn), until all 4
 *   nodes' N5g-eir equipment-status answer BLACKLISTED, one report at a time.
 * - bft_tx_per_s: committed transactions per second over REST, from 1000 owners who each offer
 *   and cancel transfers of their phone back to back (one transaction in flight per owner, so
 *   nonces never race), spread over the 4 nodes; the median of 3 rounds of 10 s. Each owner's
 *   transactions are signed before the round, so the load generator costs little CPU.
 * - bft_1v_tx_per_s: the same load on a 1-validator network, right after, for scale: on one
 *   machine the 4 validators share its cores, so this says what the machine, not consensus,
 *   allows. Each round also reports blocks, transactions per block and CPU cores used by the
 *   cometbft processes, the devicechain processes and the bench.
 */

import { readFileSync } from "node:fs";
import http from "node:http";
import { readPids } from "../src/clients/net/net-processes.js";
import type { Signer } from "../src/core/crypto/ed25519.js";
import { signerFromSeed } from "../src/core/crypto/ed25519.js";
import { sha256 } from "../src/core/crypto/hash.js";
import { toHex } from "../src/core/encoding/bytes.js";
import type { JsonObject } from "../src/core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../src/core/identifiers/luhn.js";
import { signTx, txHash } from "../src/core/tx/transaction.js";
import type { TxType } from "../src/core/tx/tx-type.js";
import { generateSeed } from "../src/node/key-file.js";
import { getJson, postTx, startTestNet, type TestNet } from "../tests/bft/test-net.js";
import { signed } from "../tests/support/signers.js";
import type { Emit } from "./run.js";
import { median, progress } from "./stats.js";

const OWNERS = 1000;
const REPORTS = 200;
const ROUND_S = 10;
const imei = (i: number): string => {
  const d14 = `35000000${String(i).padStart(6, "0")}`;
  return d14 + String(luhnCheckDigit(d14));
};

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function must(
  net: TestNet,
  node: number,
  signer: Signer,
  nonce: number,
  type: TxType,
  params: JsonObject,
): Promise<void> {
  const r = await postTx(net.url(node), signed(signer, nonce, type, params, net.chainId), 60_000);
  if (r.status !== 200) throw new Error(`${type} failed: ${JSON.stringify(r.body)}`);
}

async function nextNonce(net: TestNet, signer: Signer): Promise<number> {
  return (await getJson(`${net.url(0)}/v1/accounts/${signer.keyId}`)).body.nextNonce as number;
}

/**
 * The maker sells device i to owner i (setup, not measured). One signer's nonces must rise in
 * block order, so the sales go straight to node 0's CometBFT as ordered JSON-RPC batches, which
 * keep their order into the mempool and the blocks; a sale that still loses the race is retried.
 */
async function sellAll(net: TestNet, maker: Signer, owners: readonly Signer[]): Promise<void> {
  const rpc = `http://127.0.0.1:${net.node(0).ports.rpc}`;
  let pending = owners.map((_, i) => i);
  for (let round = 0; pending.length > 0; round++) {
    if (round > 10) throw new Error("could not sell the bench phones");
    const base = await nextNonce(net, maker);
    const bytes = pending.map((i, k) =>
      Buffer.from(
        JSON.stringify(
          signed(
            maker,
            base + k,
            "device.sell",
            {
              device: imei(i),
              owner: owners[i]!.keyId,
            },
            net.chainId,
          ),
        ),
      ),
    );
    const txs = bytes.map((b) => b.toString("base64"));
    for (let from = 0; from < txs.length; from += 500) {
      const batch = txs.slice(from, from + 500).map((tx, j) => ({
        jsonrpc: "2.0",
        id: j + 1,
        method: "broadcast_tx_sync",
        params: { tx },
      }));
      const res = await fetch(rpc, { method: "POST", body: JSON.stringify(batch) });
      if (!res.ok) throw new Error(`CometBFT RPC answered ${res.status}`);
      await res.arrayBuffer();
    }
    const last = base + txs.length - 1;
    const deadline = performance.now() + 60_000;
    while ((await nextNonce(net, maker)) <= last && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const owned = await Promise.all(
      bytes.map(async (b) => {
        const r = await getJson(`${net.url(0)}/v1/txs/${toHex(sha256(b))}`);
        return r.status === 200 && r.body.code === 0;
      }),
    );
    const before = pending.length;
    pending = pending.filter((_, k) => !owned[k]);
    if (pending.length > 0)
      progress(`sell round ${round}: ${pending.length} of ${before} not sold yet`);
  }
}

async function propagation(net: TestNet, emit: Emit): Promise<void> {
  const operator = net.key("operator-1");
  let nonce = await nextNonce(net, operator);
  const times: number[] = [];
  for (let i = 0; i < REPORTS; i++) {
    const device = imei(OWNERS + i);
    const node = i % 4;
    const t0 = performance.now();
    const submitted = postTx(
      net.url(node),
      signed(
        operator,
        nonce++,
        "report.file",
        {
          device,
          kind: "stolen",
          reference: `BENCH-${i}`,
        },
        net.chainId,
      ),
    );
    const blacklisted = new Set<number>();
    while (blacklisted.size < 4) {
      await Promise.all(
        [0, 1, 2, 3]
          .filter((n) => !blacklisted.has(n))
          .map(async (n) => {
            const r = await getJson(
              `${net.url(n)}/n5g-eir-eic/v1/equipment-status?pei=imei-${device}`,
            );
            if (r.body.status === "BLACKLISTED") blacklisted.add(n);
          }),
      );
      if (blacklisted.size < 4) await new Promise((r) => setTimeout(r, 5));
      if (performance.now() - t0 > 30_000)
        throw new Error(`report ${i} not BLACKLISTED everywhere in 30 s`);
    }
    times.push((performance.now() - t0) / 1000);
    const r = await submitted;
    if (r.status !== 200) throw new Error(`report failed: ${JSON.stringify(r.body)}`);
    if ((i + 1) % 50 === 0)
      progress(`propagation: ${i + 1} reports, p50 ${median(times).toFixed(3)} s`);
  }
  emit({
    bench: "bft",
    metric: "propagation_p50_s",
    value: round3(percentile(times, 50)),
    unit: "s",
    reports: times.length,
    validators: 4,
  });
  emit({
    bench: "bft",
    metric: "propagation_p99_s",
    value: round3(percentile(times, 99)),
    unit: "s",
    reports: times.length,
    validators: 4,
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the ")" of /proc/PID/stat: utime and stime are the 12th and 13th.
    const rest = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of all cometbft processes, all app processes, and this bench. */
function cpuByKind(net: TestNet): { cometbft: number; app: number; bench: number } {
  let cometbft = 0;
  let app = 0;
  for (const n of net.layout.nodes) {
    const p = readPids(net.dir, n.name);
    cometbft += cpuSeconds(p.cometbft);
    app += cpuSeconds(p.app);
  }
  const u = process.cpuUsage();
  return { cometbft, app, bench: (u.user + u.system) / 1e6 };
}

/** Blocks committed between two heights at node 0: how many, and transactions in them. */
async function blocksBetween(
  net: TestNet,
  from: number,
  to: number,
): Promise<{ blocks: number; txs: number }> {
  const rpc = `http://127.0.0.1:${net.node(0).ports.rpc}`;
  let txs = 0;
  for (let max = to; max > from; max -= 20) {
    const min = Math.max(from + 1, max - 19);
    const r = (await getJson(`${rpc}/blockchain?minHeight=${min}&maxHeight=${max}`)).body as {
      result: { block_metas: { num_txs: string }[] };
    };
    for (const m of r.result.block_metas) txs += Number(m.num_txs);
  }
  return { blocks: to - from, txs };
}

async function heightOf(net: TestNet): Promise<number> {
  // Asked right after seconds of signing: a pooled connection the node closed meanwhile fails
  // once, so ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      return (await getJson(`${net.url(0)}/v1/status`)).body.height as number;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

/** One owner's next transactions, signed before the round so the load costs little CPU. */
function signedSequence(
  net: TestNet,
  owner: Signer,
  device: string,
  to: string,
  from: number,
  count: number,
): string[] {
  // Odd nonces offer the phone, even ones cancel that offer (named by its hash): the owner keeps it.
  const offerAt = (nonce: number) =>
    signTx(owner, {
      chain: net.chainId,
      signer: owner.keyId,
      nonce,
      type: "transfer.offer",
      params: { device, to },
    });
  return Array.from({ length: count }, (_, k) => {
    const nonce = from + k;
    const offer = nonce % 2 === 1;
    const type: TxType = offer ? "transfer.offer" : "transfer.cancel";
    const params: JsonObject = offer
      ? { device, to }
      : { device, offer: txHash(offerAt(nonce - 1)) };
    return JSON.stringify(signed(owner, nonce, type, params, net.chainId));
  });
}

/** POST a transaction body on a keep-alive connection; the status code, 0 on a network error. */
function post(agent: http.Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        timeout: 60_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end(body);
  });
}

/** Committed transactions per second over REST, spread over the nodes; the median of 3 rounds. */
async function throughput(net: TestNet, owners: readonly Signer[]): Promise<number> {
  const to = signerFromSeed(generateSeed()).keyId;
  const urls = net.layout.nodes.map((_, n) => new URL(`${net.url(n)}/v1/txs`));
  // Owners start at nonce 1 (their first transaction). A round can commit at most one
  // transaction per block per owner, so a few hundred signed ahead always suffice.
  const perRound = Math.ceil(ROUND_S * 10);
  let next = owners.map(() => 1);
  const rates: number[] = [];
  let agent: http.Agent | undefined;
  try {
    for (let round = 0; round < 3; round++) {
      agent?.destroy();
      const seqs = owners.map((o, i) => signedSequence(net, o, imei(i), to, next[i]!, perRound));
      progress(
        `throughput round ${round + 1} (${urls.length} validators): ${owners.length} owners, ${ROUND_S} s`,
      );
      // A fresh agent per round: a node closes connections idle for 5 s, as they are while the
      // next round is signed, and a reused closing socket would fail its request.
      agent = new http.Agent({ keepAlive: true, maxSockets: owners.length });
      let committed = 0;
      let failed = 0;
      const statuses = new Map<number, number>();
      const h0 = await heightOf(net);
      const cpu0 = cpuByKind(net);
      const t0 = performance.now();
      const end = t0 + ROUND_S * 1000;
      const used = await Promise.all(
        owners.map(async (_, i) => {
          let k = 0;
          while (performance.now() < end && k < perRound) {
            const status = await post(agent!, urls[i % urls.length]!, seqs[i]![k]!);
            if (status === 200) {
              committed++;
              k++;
            } else {
              // Not committed (a timeout, or a node busy): the ledger says which nonce is next.
              failed++;
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              const n = await nextNonce(net, owners[i]!).catch(() => next[i]! + k);
              if (n - next[i]! >= perRound) break;
              k = n - next[i]!;
            }
          }
          return k;
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      next = next.map((n, i) => n + used[i]!);
      const rate = committed / seconds;
      rates.push(rate);
      const cpu1 = cpuByKind(net);
      const b = await blocksBetween(net, h0, await heightOf(net));
      const share = (k: keyof typeof cpu0): string =>
        `${k} ${((cpu1[k] - cpu0[k]) / seconds).toFixed(2)}`;
      progress(
        `throughput round ${round + 1}: ${Math.round(rate)} tx/s (${failed} not committed${failed ? `: HTTP ${[...statuses].map(([k, v]) => `${k}×${v}`).join(", ")}` : ""}); ` +
          `${b.blocks} blocks, ${(b.blocks / seconds).toFixed(1)}/s, ${Math.round(b.txs / Math.max(1, b.blocks))} txs each; ` +
          `CPU cores: ${share("cometbft")}, ${share("app")}, ${share("bench")}`,
      );
    }
  } finally {
    agent?.destroy();
  }
  return Math.round(median(rates));
}

/** A network of `validators` with a bench maker, and OWNERS + REPORTS phones, OWNERS of them sold. */
async function benchNet(validators: number): Promise<{ net: TestNet; owners: Signer[] }> {
  progress(`starting a ${validators}-validator network (cometbft v0.38.25)`);
  const net = await startTestNet({ validators });
  try {
    const regulator = net.key("regulator");
    const maker = signerFromSeed(generateSeed());
    await must(net, 0, regulator, 1, "member.admit", {
      id: "maker",
      role: "manufacturer",
      name: "Bench maker",
      key: maker.keyId,
    });
    await must(net, 0, regulator, 2, "tac.allocate", {
      manufacturer: "maker",
      from: "35000000",
      to: "35000000",
    });
    const devices = Array.from({ length: OWNERS + REPORTS }, (_, i) => ({ ids: [imei(i)] }));
    await must(net, 0, maker, 1, "device.register", { devices });
    const owners = Array.from({ length: OWNERS }, () => signerFromSeed(generateSeed()));
    progress(`selling ${OWNERS} phones to their owners`);
    await sellAll(net, maker, owners);
    return { net, owners };
  } catch (e) {
    await net.close();
    throw e;
  }
}

export async function runBftBench(emit: Emit): Promise<void> {
  let four: number;
  {
    const { net, owners } = await benchNet(4);
    try {
      await propagation(net, emit);
      four = await throughput(net, owners);
    } finally {
      await net.close();
    }
  }
  // The same load on one validator, on the same machine, in the same run: what one node's
  // processes do with the whole machine, against four nodes sharing it.
  const { net, owners } = await benchNet(1);
  let one: number;
  try {
    one = await throughput(net, owners);
  } finally {
    await net.close();
  }
  emit({
    bench: "bft",
    metric: "bft_tx_per_s",
    value: four,
    unit: "tx/s",
    rounds: 3,
    clients: OWNERS,
    validators: 4,
  });
  emit({
    bench: "bft",
    metric: "bft_1v_tx_per_s",
    value: one,
    unit: "tx/s",
    rounds: 3,
    clients: OWNERS,
    validators: 1,
    ratio_4v_to_1v: Math.round((four / one) * 100) / 100,
  });
}
