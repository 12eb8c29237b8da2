import { codeFromAbci, isErrorCode } from "../core/errors/catalogue.js";
import { makeError } from "../core/errors/devicechain-error.js";
import type { CommittedBlock, LedgerApp } from "../ledger/application.js";
import type { CommittedTx, TxEngine } from "../ledger/engine/tx-engine.js";

export interface CometEngineOptions {
  /** This node's CometBFT RPC, e.g. http://127.0.0.1:26657. */
  readonly rpcUrl: string;
  /** Submissions waiting for their commit, at most; beyond it MEMPOOL_FULL. */
  readonly maxPending?: number;
}

/** Transaction bytes per JSON-RPC batch (base64 makes them a third larger on the wire). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Requests per batch: CometBFT's rpc.max_request_batch_size must allow it (`net init` sets 1000). */
const MAX_BATCH_TXS = 500;

interface Waiter {
  readonly resolve: (r: CommittedTx) => void;
  readonly reject: (e: unknown) => void;
}

interface BroadcastResult {
  readonly code: number;
  readonly log?: string;
  readonly codespace?: string;
}

/**
 * The consortium engine: a submission is checked locally (for an immediate coded refusal),
 * broadcast through this node's CometBFT (broadcast_tx_sync, which runs CheckTx and gossips it),
 * and answered when the block holding it has been committed to this node's ledger: the same
 * contract as the embedded engine.
 */
export class CometEngine implements TxEngine {
  readonly kind = "cometbft";
  private readonly waiting = new Map<string, Waiter>();
  private readonly maxPending: number;
  private stopped = false;
  private readonly onCommit = (c: CommittedBlock): void => {
    c.results.forEach((r, index) => {
      const w = this.waiting.get(r.hash);
      if (!w) return;
      this.waiting.delete(r.hash);
      w.resolve({ ...r, height: c.block.header.height, index });
    });
  };

  constructor(
    readonly app: LedgerApp,
    private readonly opts: CometEngineOptions,
  ) {
    this.maxPending = opts.maxPending ?? 50_000;
    app.on("commit", this.onCommit);
  }

  get pendingCount(): number {
    return this.waiting.size;
  }

  submit(bytes: Uint8Array): Promise<CommittedTx> {
    if (this.stopped) return Promise.reject(makeError("NODE_NOT_READY", "The engine is stopping"));
    if (this.waiting.size >= this.maxPending) return Promise.reject(makeError("MEMPOOL_FULL"));
    // The refusals that need no other pending transaction come back at once; CometBFT's CheckTx
    // then simulates the transaction on top of the mempool before it is gossiped.
    const check = this.app.checkTx(bytes, { precheckOnly: true });
    if (check.refusal) return Promise.reject(check.refusal);
    const hash = check.hash;
    if (this.waiting.has(hash)) return Promise.reject(makeError("TX_DUPLICATE"));
    return new Promise<CommittedTx>((resolve, reject) => {
      // Registered before the broadcast: the commit may come before the RPC answer.
      this.waiting.set(hash, { resolve, reject });
      this.broadcast(bytes).then(
        (r) => {
          if (r.code === 0) return;
          this.settle(hash, refusal(r));
        },
        (e: unknown) => this.settle(hash, e),
      );
    });
  }

  private settle(hash: string, e: unknown): void {
    const w = this.waiting.get(hash);
    if (!w) return;
    this.waiting.delete(hash);
    w.reject(e);
  }

  /**
   * Submissions of one turn of the event loop travel as one JSON-RPC batch, which CometBFT
   * runs in order: fewer HTTP exchanges under load, and this node's arrival order is kept.
   */
  private batchBytes = 0;
  private batch: {
    bytes: Uint8Array;
    resolve: (r: BroadcastResult) => void;
    reject: (e: unknown) => void;
  }[] = [];

  private broadcast(bytes: Uint8Array): Promise<BroadcastResult> {
    return new Promise((resolve, reject) => {
      // Keep a batch well under the RPC body limit `net init` sets (max_body_bytes, 16 MiB).
      const full =
        this.batchBytes + bytes.length > MAX_BATCH_BYTES || this.batch.length >= MAX_BATCH_TXS;
      if (full && this.batch.length > 0) {
        void this.flushBatch();
      }
      if (this.batch.length === 0) setImmediate(() => void this.flushBatch());
      this.batch.push({ bytes, resolve, reject });
      this.batchBytes += bytes.length;
    });
  }

  private async flushBatch(): Promise<void> {
    const items = this.batch.splice(0, this.batch.length);
    this.batchBytes = 0;
    if (items.length === 0) return;
    const body = JSON.stringify(
      // Ids from 1: CometBFT treats a request without an id (or id 0) as a notification.
      items.map((it, i) => ({
        jsonrpc: "2.0",
        id: i + 1,
        method: "broadcast_tx_sync",
        params: { tx: Buffer.from(it.bytes).toString("base64") },
      })),
    );
    type Reply = {
      id: number;
      result?: BroadcastResult;
      error?: { message?: string; data?: string };
    };
    let replies: Reply[];
    try {
      const res = await fetch(this.opts.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const parsed = (await res.json()) as Reply[] | Reply;
      replies = Array.isArray(parsed) ? parsed : [parsed];
    } catch (cause) {
      const e = makeError(
        "NODE_UNAVAILABLE",
        `CometBFT RPC at ${this.opts.rpcUrl} did not answer`,
        {
          cause,
        },
      );
      for (const it of items) it.reject(e);
      return;
    }
    const byId = new Map(replies.map((r) => [r.id, r]));
    items.forEach((it, i) => {
      const reply = byId.get(i + 1);
      if (!reply) {
        it.reject(
          makeError(
            "NODE_UNAVAILABLE",
            `CometBFT RPC gave no answer for a transaction: ${JSON.stringify(replies).slice(0, 300)}`,
          ),
        );
        return;
      }
      if (reply.error) {
        const text = `${reply.error.message ?? ""} ${reply.error.data ?? ""}`;
        // Already in this node's mempool cache: it is on its way into a block; keep waiting.
        if (/already exists in cache/.test(text)) it.resolve({ code: 0 });
        else if (/mempool is full/.test(text)) it.reject(makeError("MEMPOOL_FULL", text.trim()));
        else
          it.reject(
            makeError("NODE_UNAVAILABLE", `CometBFT refused the broadcast: ${text.trim()}`),
          );
        return;
      }
      if (!reply.result) it.reject(makeError("NODE_UNAVAILABLE", "CometBFT RPC gave no result"));
      else it.resolve(reply.result);
    });
  }

  /** Refuse new submissions; those still waiting get NODE_NOT_READY. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.app.off("commit", this.onCommit);
    for (const [hash] of this.waiting) {
      this.settle(hash, makeError("NODE_NOT_READY", "The node is stopping"));
    }
  }
}

/**
 * CheckTx's refusal as CometBFT's RPC answers it (the ABCI wire form: number, log, codespace),
 * as the coded error the embedded engine would have given.
 */
function refusal(r: BroadcastResult): Error {
  const name = r.codespace === "devicechain" ? codeFromAbci(r.code) : "INTERNAL";
  return makeError(isErrorCode(name) ? name : "INTERNAL", r.log || undefined);
}
