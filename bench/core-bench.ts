import { rmSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { equipmentAnswer } from "../src/core/check/equipment-check.js";
import { parseIdentifier } from "../src/core/identifiers/identifier.js";
import { LedgerApp } from "../src/ledger/application.js";
import { EmbeddedEngine } from "../src/ledger/engine/embedded-engine.js";
import { benchDataDir, benchSigner, txBytes, withCheckDigit } from "./bench-fixtures.js";
import { startChild } from "./child-server.js";
import type { Emit } from "./run.js";
import { median, progress } from "./stats.js";

const DEVICES = 1_000_000;
const BULK = 10_000;
const TAC = "35000000";

/** Open a fresh node with a manufacturer holding TAC 35000000. */
async function freshNode(): Promise<{ app: LedgerApp; engine: EmbeddedEngine; dir: string }> {
  const regulator = benchSigner("regulator");
  const { dir, genesis } = benchDataDir(regulator);
  const app = LedgerApp.open(path.join(dir, "ledger"));
  app.initChain(genesis);
  const engine = new EmbeddedEngine(app, { maxWaitMs: 5 });
  const mfr = benchSigner("manufacturer");
  await must(
    engine.submit(
      txBytes(regulator, 1, "member.admit", {
        id: "mfr",
        role: "manufacturer",
        name: "Bench",
        key: mfr.keyId,
      }),
    ),
  );
  await must(
    engine.submit(
      txBytes(regulator, 2, "tac.allocate", { manufacturer: "mfr", from: TAC, to: TAC }),
    ),
  );
  return { app, engine, dir };
}

async function must(p: Promise<{ code: number; codeName: string }>): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`bench setup transaction failed: ${r.codeName}`);
}

const imei = (i: number): string => withCheckDigit(TAC + String(i).padStart(6, "0"));

/** bulk_ids_per_s, then lookups_per_s over the million devices it registered. */
async function bulkAndLookups(emit: Emit): Promise<void> {
  const { app, engine, dir } = await freshNode();
  const mfr = benchSigner("manufacturer");
  const rates: number[] = [];
  const started = performance.now();
  for (let t = 0; t < DEVICES / BULK; t++) {
    const devices = Array.from({ length: BULK }, (_, k) => ({ ids: [imei(t * BULK + k)] }));
    const bytes = txBytes(mfr, t + 1, "device.register", { devices });
    const t0 = performance.now();
    await must(engine.submit(bytes));
    rates.push(BULK / ((performance.now() - t0) / 1000));
    if (t % 10 === 9) progress(`registered ${(t + 1) * BULK} devices`);
  }
  const overall = DEVICES / ((performance.now() - started) / 1000);
  emit({
    bench: "core",
    metric: "bulk_ids_per_s",
    value: Math.round(median(rates)),
    unit: "ids/s",
    overall: Math.round(overall),
    txs: rates.length,
    idsPerTx: BULK,
  });

  const peis = Array.from({ length: 200_000 }, (_, i) => `imei-${imei((i * 7919) % DEVICES)}`);
  const rounds: number[] = [];
  // What LedgerEquipmentCheck does for a check without a subscriber, less the observation.
  const reads = app.equipment;
  let whitelisted = 0;
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let n = 0; n < 5; n++) {
      for (const pei of peis) {
        const key = parseIdentifier(pei, "network").key;
        if (
          equipmentAnswer(reads.status(key), undefined, undefined, "reject").status ===
          "WHITELISTED"
        )
          whitelisted++;
      }
    }
    rounds.push((5 * peis.length) / ((performance.now() - t0) / 1000));
  }
  if (whitelisted !== 7 * 5 * peis.length)
    throw new Error("lookup bench found unregistered devices");
  emit({
    bench: "core",
    metric: "lookups_per_s",
    value: Math.round(median(rounds)),
    unit: "lookups/s",
    devices: DEVICES,
    rounds: rounds.length,
    path: "parse PEI + EIR status (the N5g-eir path)",
  });
  await engine.stop();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}

/** tx_per_s: single-signature member.admit transactions committed through the embedded engine. */
async function txThroughput(emit: Emit): Promise<void> {
  const { app, engine, dir } = await freshNode();
  const regulator = benchSigner("regulator");
  const perRound = 20_000;
  let nonce = 2;
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const batch = Array.from({ length: perRound }, (_, i) => {
      nonce++;
      const key = benchSigner(`member-${r}-${i}`).keyId;
      return txBytes(regulator, nonce, "member.admit", {
        id: `m-${r}-${i}`,
        role: "operator",
        name: "Bench operator",
        key,
      });
    });
    const t0 = performance.now();
    const results = await Promise.all(batch.map((b) => engine.submit(b)));
    rates.push(perRound / ((performance.now() - t0) / 1000));
    const failed = results.filter((x) => x.code !== 0).length;
    if (failed > 0) throw new Error(`${failed} bench transactions failed`);
    progress(`tx round ${r + 1}: ${Math.round(rates[r]!)} tx/s`);
  }
  emit({
    bench: "core",
    metric: "tx_per_s",
    value: Math.round(median(rates)),
    unit: "tx/s",
    rounds: rates.length,
    txsPerRound: perRound,
  });
  await engine.stop();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}

async function load(url: string): Promise<autocannon.Result> {
  return autocannon({ url, connections: 32, duration: 4, pipelining: 1 });
}

/** http_ratio and http_p99_ms: equipment-status against a bare node:http server, alternating rounds. */
async function httpRatio(emit: Emit): Promise<void> {
  const node = await startChild("serve-node.js");
  const bare = await startChild("bare-http-server.js");
  const nodeUrl = `http://127.0.0.1:${node.port}/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809`;
  const bareUrl = `http://127.0.0.1:${bare.port}/`;
  try {
    const probe = await fetch(nodeUrl);
    const body = (await probe.json()) as { status?: string };
    if (body.status !== "WHITELISTED")
      throw new Error(`equipment-status answered ${JSON.stringify(body)}`);
    await load(nodeUrl); // warm-up
    await load(bareUrl);
    const ratios: number[] = [];
    const nodeRps: number[] = [];
    const bareRps: number[] = [];
    const p99s: number[] = [];
    for (let r = 0; r < 3; r++) {
      const a = await load(nodeUrl);
      const b = await load(bareUrl);
      if (a.non2xx > 0 || a.errors > 0)
        throw new Error(`node answered ${a.non2xx} non-2xx and ${a.errors} errors`);
      nodeRps.push(a.requests.average);
      bareRps.push(b.requests.average);
      ratios.push(a.requests.average / b.requests.average);
      p99s.push(a.latency.p99);
      progress(
        `http round ${r + 1}: node ${Math.round(a.requests.average)} req/s, bare ${Math.round(b.requests.average)} req/s`,
      );
    }
    emit({
      bench: "core",
      metric: "http_ratio",
      value: Number(median(ratios).toFixed(3)),
      unit: "ratio",
      nodeReqPerS: Math.round(median(nodeRps)),
      bareReqPerS: Math.round(median(bareRps)),
      connections: 32,
    });
    emit({ bench: "core", metric: "http_p99_ms", value: median(p99s), unit: "ms" });
  } finally {
    node.stop();
    bare.stop();
  }
}

export async function runCoreBench(emit: Emit): Promise<void> {
  progress("core: registering 1,000,000 devices in bulk");
  await bulkAndLookups(emit);
  progress("core: transaction throughput");
  await txThroughput(emit);
  progress("core: HTTP equipment-status");
  await httpRatio(emit);
}
