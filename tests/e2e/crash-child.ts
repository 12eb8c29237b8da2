/**
 * Crash-test child: a node on DIR (argv[2]) under load. It prints the hash of every transaction
 * once it is acknowledged (committed and flushed), one per line, until it is killed.
 */
import path from "node:path";
import { lastNonce } from "../../src/core/machine/verify.js";
import { encodeTx, signTx } from "../../src/core/tx/transaction.js";
import { LedgerApp } from "../../src/ledger/application.js";
import { EmbeddedEngine } from "../../src/ledger/engine/embedded-engine.js";
import { E2E_CHAIN, e2eSigner } from "./e2e-node.js";

const dir = process.argv[2] ?? "";
const regulator = e2eSigner("regulator");
const app = LedgerApp.open(path.join(dir, "ledger"));
// A no-op on restart: the stored chain is kept.
app.initChain({
  chainId: E2E_CHAIN,
  genesisTime: "2026-01-01T00:00:00Z",
  members: [{ id: "regulator", role: "regulator", name: "R", key: regulator.keyId }],
});
const engine = new EmbeddedEngine(app, { maxWaitMs: 5, maxTxsPerBlock: 300 });
let nonce = lastNonce(app.store, regulator.keyId);
process.stdout.write(`start ${app.info().lastBlockHeight} ${app.info().lastBlockAppHash}\n`);

async function one(): Promise<void> {
  const n = ++nonce;
  const key = e2eSigner(`crash-member-${n}`).keyId;
  const tx = signTx(regulator, {
    chain: E2E_CHAIN,
    signer: regulator.keyId,
    nonce: n,
    type: "member.admit",
    params: { id: `m-${n}`, role: "operator", name: `Member ${n}`, key },
  });
  const r = await engine.submit(encodeTx(tx));
  if (r.code === 0) process.stdout.write(`ack ${r.hash}\n`);
}

// Keep 200 transactions in flight, forever; the parent kills this process with SIGKILL.
const IN_FLIGHT = 200;
async function worker(): Promise<void> {
  for (;;) await one();
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
