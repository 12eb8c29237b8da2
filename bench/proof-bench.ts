/**
 * The buyers' proof metrics over a ledger of 1,000,000 devices (registered in bulk through the
 * embedded engine, which signs every header as a node does):
 * - proofs_per_s: bundles built per second by the embedded ProofSource, as the route builds them
 *   (the identifier parsed and resolved to its keys, then prove(): state proof, signed header,
 *   waiting for the flush), one after another; the HTTP layer and JSON serialisation excluded.
 * - proof_bytes: the median serialised JSON size of a CometBFT bundle at 10^6 devices. CometBFT
 *   is not run here: the entries are the real state proofs of this ledger, and the commitment
 *   (signedHeader with its 4-signature commit, and the 4 validators) is a real one captured from
 *   a 4-validator network by tests/bft/proof-bundle.test.ts (DEVICECHAIN_CAPTURE_BUNDLE), kept in
 *   bench/fixtures/cometbft-4-validators-bundle.json. Every field of it has its real length.
 */
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { headerSigner } from "../src/core/proof/header-signature.js";
import type { CometCommitJson, ProofBundleJson } from "../src/core/proof/proof-bundle.js";
import { LedgerApp } from "../src/ledger/application.js";
import { EmbeddedEngine } from "../src/ledger/engine/embedded-engine.js";
import { deviceProofKeys } from "../src/ledger/read/device-proof-keys.js";
import { EmbeddedProofSource } from "../src/ledger/read/embedded-proofs.js";
import { benchDataDir, benchSigner, txBytes, withCheckDigit } from "./bench-fixtures.js";
import type { Emit } from "./run.js";
import { median, progress } from "./stats.js";

const DEVICES = 1_000_000;
const BULK = 10_000;
const TAC = "35000000";
const SAMPLES = 20_000;
const ROUNDS = 7;

const imei = (i: number): string => withCheckDigit(TAC + String(i).padStart(6, "0"));

const CAPTURED = fileURLToPath(
  new URL("../../bench/fixtures/cometbft-4-validators-bundle.json", import.meta.url),
);

async function must(p: Promise<{ code: number; codeName: string }>): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`bench setup transaction failed: ${r.codeName}`);
}

/** A ledger of DEVICES devices under one manufacturer, every block header signed. */
async function registry(
  count: number,
): Promise<{ app: LedgerApp; engine: EmbeddedEngine; dir: string }> {
  const regulator = benchSigner("regulator");
  const mfr = benchSigner("manufacturer");
  const { dir, genesis } = benchDataDir(regulator);
  const app = LedgerApp.open(path.join(dir, "ledger"));
  app.initChain(genesis);
  const engine = new EmbeddedEngine(app, {
    maxWaitMs: 5,
    signHeader: headerSigner(benchSigner("node")),
  });
  const admit = { id: "mfr", role: "manufacturer", name: "Bench", key: mfr.keyId };
  await must(engine.submit(txBytes(regulator, 1, "member.admit", admit)));
  const range = { manufacturer: "mfr", from: TAC, to: TAC };
  await must(engine.submit(txBytes(regulator, 2, "tac.allocate", range)));
  for (let t = 0; t < count / BULK; t++) {
    const devices = Array.from({ length: BULK }, (_, k) => ({ ids: [imei(t * BULK + k)] }));
    await must(engine.submit(txBytes(mfr, t + 1, "device.register", { devices })));
    if (t % 20 === 19) progress(`buyers: registered ${(t + 1) * BULK} devices`);
  }
  return { app, engine, dir };
}

/** `devices` is for trying the bench on a smaller ledger; the metrics are defined at 10^6. */
export async function runProofBench(emit: Emit, devices = DEVICES): Promise<void> {
  progress(`buyers: registering ${devices} devices in bulk for the proof bench`);
  const { app, engine, dir } = await registry(devices);
  try {
    const source = new EmbeddedProofSource(app.store);
    // A fixed spread over the registry (7919 is prime): every sample a different bucket's device.
    const ids = Array.from({ length: SAMPLES }, (_, i) => imei((i * 7919) % devices));
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      for (const id of ids) await source.prove(deviceProofKeys(app.reads, id).keys);
      rates.push(SAMPLES / ((performance.now() - t0) / 1000));
    }
    emit({
      bench: "buyers",
      metric: "proofs_per_s",
      value: Math.round(median(rates)),
      unit: "bundles/s",
      devices,
      rounds: ROUNDS,
      path: "embedded ProofSource: identifier → keys → prove() (state proof, signed header, flush); HTTP and JSON excluded",
    });

    const captured = JSON.parse(readFileSync(CAPTURED, "utf8")) as ProofBundleJson;
    const comet = captured.commit as CometCommitJson;
    if (comet.engine !== "cometbft" || comet.validators.length !== 4) {
      throw new Error(`${CAPTURED} is not a 4-validator CometBFT bundle`);
    }
    const cometSizes: number[] = [];
    const embeddedSizes: number[] = [];
    const leaves: number[] = [];
    for (const id of ids.slice(0, 2_000)) {
      const embedded = await source.prove(deviceProofKeys(app.reads, id).keys);
      const bundle: ProofBundleJson = { ...embedded, commit: comet };
      cometSizes.push(Buffer.byteLength(JSON.stringify(bundle)));
      embeddedSizes.push(Buffer.byteLength(JSON.stringify(embedded)));
      leaves.push(embedded.entries[0]!.leaves.length);
    }
    emit({
      bench: "buyers",
      metric: "proof_bytes",
      value: median(cometSizes),
      unit: "bytes",
      devices,
      samples: cometSizes.length,
      max: Math.max(...cometSizes),
      embeddedMedian: median(embeddedSizes),
      leavesPerBucketMedian: median(leaves),
      commit:
        "real 4-validator CometBFT commit (bench/fixtures), real state proofs at 10^6 devices",
    });
  } finally {
    await engine.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
