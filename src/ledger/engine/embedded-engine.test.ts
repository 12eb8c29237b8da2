import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { isError } from "../../core/errors/devicechain-error.js";
import { TEST_CHAIN, testSigner } from "../../core/machine/memory-chain.test-fixture.js";
import { blockHash } from "../../core/proof/block-header.js";
import { headerSigner, verifySignedHeader } from "../../core/proof/header-signature.js";
import { encodeTx, signTx } from "../../core/tx/transaction.js";
import { LedgerApp } from "../application.js";
import { EmbeddedEngine } from "./embedded-engine.js";

const regulator = testSigner("regulator");

function admit(nonce: number): Uint8Array {
  const key = testSigner(`m${nonce}`).keyId;
  return encodeTx(
    signTx(regulator, {
      chain: TEST_CHAIN,
      signer: regulator.keyId,
      nonce,
      type: "member.admit",
      params: { id: `m-${nonce}`, role: "operator", name: "M", key },
    }),
  );
}

async function withEngine(
  opts: ConstructorParameters<typeof EmbeddedEngine>[1],
  body: (engine: EmbeddedEngine, app: LedgerApp) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-engine-"));
  const app = LedgerApp.open(dir);
  app.initChain({
    chainId: TEST_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [{ id: "regulator", role: "regulator", name: "R", key: regulator.keyId }],
  });
  const engine = new EmbeddedEngine(app, opts);
  try {
    await body(engine, app);
  } finally {
    await engine.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("concurrent submissions all commit, in blocks no larger than maxTxsPerBlock", async () => {
  await withEngine({ maxWaitMs: 5, maxTxsPerBlock: 50 }, async (engine, app) => {
    const results = await Promise.all(
      Array.from({ length: 230 }, (_, i) => engine.submit(admit(i + 1))),
    );
    assert.ok(results.every((r) => r.code === 0));
    const heights = new Set(results.map((r) => r.height));
    assert.ok(heights.size >= 5, `${heights.size} blocks for 230 txs at 50 per block`);
    for (let h = 1; h <= app.info().lastBlockHeight; h++) {
      assert.ok((app.getBlock(h)?.txs.length ?? 0) <= 50);
    }
    // Each answer names the block and position the transaction really has.
    for (const r of results) assert.equal(app.getBlock(r.height)?.txs[r.index], r.hash);
  });
});

test("a lone transaction is committed within about maxWaitMs", async () => {
  await withEngine({ maxWaitMs: 20 }, async (engine) => {
    const t0 = performance.now();
    const r = await engine.submit(admit(1));
    assert.equal(r.code, 0);
    assert.ok(performance.now() - t0 < 5_000);
  });
});

test("checkTx refusals reject at once with their code; duplicates are refused", async () => {
  await withEngine({ maxWaitMs: 50 }, async (engine) => {
    await assert.rejects(engine.submit(new Uint8Array([1, 2, 3])), (e) =>
      isError(e, "TX_MALFORMED"),
    );
    const tx = admit(1);
    const first = engine.submit(tx);
    await assert.rejects(engine.submit(tx), (e) => isError(e, "TX_DUPLICATE"));
    assert.equal((await first).code, 0);
    // The state machine's own error, with the facts it attached for the client.
    await assert.rejects(
      engine.submit(tx),
      (e) => isError(e, "TX_NONCE_REPLAYED") && e.data?.lastNonce === 1,
    );
  });
});

test("the mempool is bounded", async () => {
  await withEngine({ maxWaitMs: 1_000, maxTxsPerBlock: 1_000, maxPending: 3 }, async (engine) => {
    const pending = [1, 2, 3].map((n) => engine.submit(admit(n)));
    await assert.rejects(engine.submit(admit(4)), (e) => isError(e, "MEMPOOL_FULL"));
    await Promise.all(pending);
  });
});

test("stop commits what is queued, then refuses new work", async () => {
  await withEngine({ maxWaitMs: 10_000 }, async (engine, app) => {
    const queued = [1, 2].map((n) => engine.submit(admit(n)));
    await engine.stop();
    assert.ok((await Promise.all(queued)).every((r) => r.code === 0));
    assert.equal(app.info().lastBlockHeight, 1);
    await assert.rejects(engine.submit(admit(3)), (e) => isError(e, "NODE_NOT_READY"));
  });
});

test("block time never goes backwards, even if the clock does", async () => {
  let now = 2_000_000_000_000;
  await withEngine({ maxWaitMs: 1, now: () => now }, async (engine, app) => {
    await engine.submit(admit(1));
    now -= 60_000;
    await engine.submit(admit(2));
    const t1 = app.getBlock(1)?.header.time ?? 0;
    const t2 = app.getBlock(2)?.header.time ?? 0;
    assert.ok(t2 >= t1);
  });
});

test("a rival the mempool's state refuses is refused at submission and never reaches a block", async () => {
  await withEngine({ maxWaitMs: 20 }, async (engine, app) => {
    // Both are good against committed state; the second is simulated on top of the first.
    const first = admit(1);
    const rival = encodeTx(
      signTx(regulator, {
        chain: TEST_CHAIN,
        signer: regulator.keyId,
        nonce: 1,
        type: "member.admit",
        params: { id: "rival", role: "insurer", name: "R", key: testSigner("rival").keyId },
      }),
    );
    const [a, b] = await Promise.allSettled([engine.submit(first), engine.submit(rival)]);
    assert.equal(a.status === "fulfilled" ? a.value.code : -1, 0);
    assert.ok(b.status === "rejected" && isError(b.reason, "TX_NONCE_REPLAYED"));
    assert.equal(app.info().lastBlockHeight, 1);
    assert.equal(app.getBlock(1)?.txs.length, 1, "the refused rival is in no block");
  });
});

test("pipelined: a member's first transaction right behind its admission, both on the worker", async () => {
  await withEngine({ maxWaitMs: 20, signatureWorker: true }, async (engine, app) => {
    const member = testSigner("m1");
    const first = encodeTx(
      signTx(member, {
        chain: TEST_CHAIN,
        signer: member.keyId,
        nonce: 1,
        type: "key.rotate",
        params: { newKey: testSigner("m1-next").keyId },
      }),
    );
    // The admission's signature is still on the worker when the member's transaction arrives:
    // its role is known only once the admission is simulated, so its own simulation decides.
    const [admitted, rotated] = await Promise.all([engine.submit(admit(1)), engine.submit(first)]);
    assert.equal(admitted.code, 0);
    assert.equal(rotated.code, 0);
    // A stranger's transaction is refused at once, whatever is in flight.
    const stranger = testSigner("stranger");
    const spam = encodeTx(
      signTx(stranger, {
        chain: TEST_CHAIN,
        signer: stranger.keyId,
        nonce: 1,
        type: "key.rotate",
        params: { newKey: testSigner("stranger-next").keyId },
      }),
    );
    const inFlight = engine.submit(admit(2));
    await assert.rejects(engine.submit(spam), (e) => isError(e, "ROLE_FORBIDDEN"));
    assert.equal((await inFlight).code, 0);
    assert.equal(app.info().lastBlockHeight >= 1, true);
  });
});

test("the same transaction re-encoded (whitespace, key order) is still a duplicate", async () => {
  await withEngine({ maxWaitMs: 50 }, async (engine) => {
    const tx = admit(1);
    const first = engine.submit(tx);
    const reformatted = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(tx)), null, 2),
    );
    await assert.rejects(engine.submit(reformatted), (e) => isError(e, "TX_DUPLICATE"));
    assert.equal((await first).code, 0);
  });
});

test("stop under load answers every accepted submission", async () => {
  await withEngine({ maxWaitMs: 2, maxTxsPerBlock: 7 }, async (engine, app) => {
    const accepted = Array.from({ length: 60 }, (_, i) => engine.submit(admit(i + 1)));
    await engine.stop();
    const results = await Promise.all(accepted);
    assert.ok(results.every((r) => r.code === 0));
    assert.equal(engine.pendingCount, 0);
    const committed = new Set(results.map((r) => r.height));
    assert.ok(committed.size >= Math.ceil(60 / 7));
    assert.equal(app.info().lastBlockHeight, Math.max(...committed));
  });
});

test("a failing commit listener neither fails committed transactions nor stops the engine", async () => {
  // Listeners (event streams, webhooks, metrics) run after the block is durable; a bug in one
  // must not tell clients that committed transactions failed, nor halt block production.
  await withEngine({ maxWaitMs: 5 }, async (engine, app) => {
    let calls = 0;
    app.on("commit", () => {
      calls++;
      throw new Error("a listener bug");
    });
    const first = await engine.submit(admit(1)).catch((e: unknown) => e);
    assert.equal(app.getTx(app.getBlock(1)?.txs[0] ?? "")?.code, 0, "the block is committed");
    assert.equal((first as { code?: unknown }).code, 0, "and the client is told so");
    const second = await engine.submit(admit(2));
    assert.equal(second.code, 0);
    assert.equal(calls, 2);
  });
});

test("with the node's key, every block the engine cuts carries a header signature that verifies", async () => {
  const nodeKey = testSigner("node");
  await withEngine({ maxWaitMs: 5, signHeader: headerSigner(nodeKey) }, async (engine, app) => {
    const announced: unknown[] = [];
    app.on("commit", (c) => announced.push(c.block.signature));
    const r = await engine.submit(admit(1));
    const block = app.getBlock(r.height)!;
    assert.equal(block.signature?.keyId, nodeKey.keyId);
    assert.deepEqual(verifySignedHeader(block, [nodeKey.keyId]), block.header);
    assert.deepEqual(announced, [block.signature], "the commit event carries it too");
    // The signature sits beside the header: the block hash is the header's alone.
    assert.equal(block.hash, blockHash(block.header));
    assert.deepEqual(Object.keys(block.header).sort(), [
      "appHash",
      "chainId",
      "height",
      "numTxs",
      "prevHash",
      "time",
      "txRoot",
    ]);
    // A header changed after signing (another app hash, another time) does not verify.
    for (const change of [{ appHash: "00".repeat(32) }, { time: block.header.time + 1 }]) {
      assert.throws(
        () =>
          verifySignedHeader({ ...block, header: { ...block.header, ...change } }, [nodeKey.keyId]),
        (e) => isError(e, "HEADER_BAD_SIGNATURE"),
      );
    }
    assert.throws(
      () => verifySignedHeader(block, [testSigner("someone else").keyId]),
      (e) => isError(e, "HEADER_SIGNER_UNTRUSTED"),
    );
    // Genesis is written from the genesis file before any engine runs: it is not signed.
    assert.equal(app.getBlock(0)?.signature, undefined);
  });
});

test("signing changes no block field: the same blocks with and without a signer hash alike", async () => {
  const run = async (opts: ConstructorParameters<typeof EmbeddedEngine>[1]) => {
    let stored: unknown;
    await withEngine(
      { maxWaitMs: 5, now: () => Date.parse("2026-02-01T00:00:00Z"), ...opts },
      async (engine, app) => {
        const r = await engine.submit(admit(1));
        const { signature, ...block } = app.getBlock(r.height)!;
        stored = { block, signed: signature !== undefined };
      },
    );
    return stored;
  };
  const plain = await run({});
  const signed = await run({ signHeader: headerSigner(testSigner("node")) });
  assert.deepEqual(signed, { ...(plain as object), signed: true });
  assert.equal((plain as { signed: boolean }).signed, false);
});
