/**
 * Crash-test child: a node on DIR (argv[2]) under load. It prints the hash of every transaction
 * once it is acknowledged (committed and flushed), one per line, until it is killed.
 */
import path from "node:path";
import { lastNonce } from "../../src/core/machine/verify.js";
import { LedgerApp } from "../../src/ledger/application.js";
import { EmbeddedEngine } from "../../src/ledger/engine/embedded-engine.js";
import { REGULATOR, testGenesis } from "../support/consortium.js";
import { signedBytes, testSigner } from "../support/signers.js";

const dir = process.argv[2] ?? "";
const regulator = REGULATOR.signer;
const app = LedgerApp.open(path.join(dir, "ledger"));
// A no-op on restart: the stored chain is kept.
app.initChain(testGenesis());
const engine = new EmbeddedEngine(app, { maxWaitMs: 5, maxTxsPerBlock: 300 });
let nonce = lastNonce(app.store, regulator.keyId);
process.stdout.write(`start ${app.info().lastBlockHeight} ${app.info().lastBlockAppHash}\n`);

async function one(): Promise<void> {
  const n = ++nonce;
  const key = testSigner(`crash-member-${n}`).keyId;
  const tx = signedBytes(regulator, n, "member.admit", {
    id: `m-${n}`,
    role: "operator",
    name: `Member ${n}`,
    key,
  });
  const r = await engine.submit(tx);
  if (r.code === 0) process.stdout.write(`ack ${r.hash}\n`);
}

// Keep 200 transactions in flight, forever; the parent kills this process with SIGKILL.
const IN_FLIGHT = 200;
async function worker(): Promise<void> {
  for (;;) await one();
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
