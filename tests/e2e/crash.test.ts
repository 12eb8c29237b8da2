/**
 * Crash safety: a node under load is killed with SIGKILL (kill -9) at a random moment, three
 * times, and restarted on the same data. Every acknowledged transaction must be there, and a
 * replay of the stored blocks on a fresh ledger must give the stored app hash.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { encodeTx, type SignedTx } from "../../src/core/tx/transaction.js";
import { LedgerApp } from "../../src/ledger/application.js";
import { testGenesis } from "../support/consortium.js";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "crash-child.js");

/** Run the child until it has acknowledged some work, then SIGKILL it after a random delay. */
async function runAndKill(dir: string, acked: Set<string>): Promise<number> {
  const proc = spawn(process.execPath, [child, dir], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout });
  let acksThisRun = 0;
  // "close", not "exit": every line the child wrote must be read before its acks are checked.
  const exited = new Promise<void>((resolve) => proc.on("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error("the crash child acknowledged nothing in 30 s")),
      30_000,
    );
    lines.on("line", (line) => {
      if (!line.startsWith("ack ")) return;
      acked.add(line.slice(4));
      if (++acksThisRun === 1) {
        clearTimeout(timeout);
        setTimeout(
          () => {
            proc.kill("SIGKILL");
            resolve();
          },
          300 + Math.floor(Math.random() * 1200),
        );
      }
    });
    proc.on("exit", (code, signal) => {
      if (signal !== "SIGKILL")
        reject(new Error(`the crash child exited by itself: ${code} ${signal}`));
    });
  });
  await exited;
  return acksThisRun;
}

test("kill -9 under load loses no acknowledged transaction, and a replay gives the same app hash", {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-crash-"));
  try {
    const acked = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const n = await runAndKill(dir, acked);
      assert.ok(n > 0, `round ${round} acknowledged nothing`);
    }
    const app = LedgerApp.open(path.join(dir, "ledger"));
    const replay = LedgerApp.open(path.join(dir, "replay"));
    try {
      for (const hash of acked) {
        const record = app.getTx(hash);
        assert.ok(record, `acknowledged transaction ${hash} is missing after the crashes`);
        assert.equal(record.code, 0);
      }
      replay.initChain(testGenesis());
      assert.equal(replay.info().lastBlockAppHash, app.getBlock(0)?.header.appHash);
      const top = app.info().lastBlockHeight;
      for (let h = 1; h <= top; h++) {
        const block = app.getBlock(h);
        assert.ok(block, `block ${h} is missing`);
        const txs = block.txs.map((t) => encodeTx(app.getTx(t)?.tx as unknown as SignedTx));
        const { appHash } = replay.finalizeBlock({ height: h, time: block.header.time, txs });
        await replay.commit();
        assert.equal(appHash, block.header.appHash, `replayed block ${h} gives another app hash`);
      }
      assert.equal(replay.info().lastBlockAppHash, app.info().lastBlockAppHash);
      assert.ok(acked.size > 100, `only ${acked.size} transactions were acknowledged`);
    } finally {
      await app.close();
      await replay.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
