import { availableParallelism } from "node:os";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { HeaderSigner } from "../../core/proof/header-signature.js";
import type { LedgerApp } from "../application.js";
import { SignatureVerifier } from "./signature-verifier.js";
import type { CommittedTx, TxEngine } from "./tx-engine.js";

export interface EmbeddedEngineOptions {
  /** Longest a transaction waits in the mempool before a block is cut. */
  readonly maxWaitMs?: number;
  readonly maxTxsPerBlock?: number;
  /** Mempool bound; beyond it submissions are refused with MEMPOOL_FULL. */
  readonly maxPending?: number;
  /** Block time source; the state machine only ever sees the value stamped on the block. */
  readonly now?: () => number;
  /**
   * Verify signatures on a worker thread while the main thread executes blocks. Default: on
   * when the machine has more than one core.
   */
  readonly signatureWorker?: boolean;
  /** Signs each block header it cuts (the node's key: core/proof headerSigner), stored with the block. */
  readonly signHeader?: HeaderSigner;
}

interface Waiting {
  readonly bytes: Uint8Array;
  readonly hash: string;
  readonly resolve: (r: CommittedTx) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The one-process engine: a mempool that runs checkTx, and a block cutter that takes up to
 * maxTxsPerBlock transactions at most maxWaitMs after the first one arrived, finalizes, commits
 * and answers every waiting client once the block is on disk.
 */
export class EmbeddedEngine implements TxEngine {
  readonly kind = "embedded";
  private readonly queue: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly maxWaitMs: number;
  private readonly maxTxsPerBlock: number;
  private readonly maxPending: number;
  private readonly now: () => number;
  private readonly verifier: SignatureVerifier | undefined;
  private readonly signHeader: HeaderSigner | undefined;
  /** Transactions past checkTx whose signatures are being verified. */
  private verifying = 0;

  constructor(
    readonly app: LedgerApp,
    opts: EmbeddedEngineOptions = {},
  ) {
    this.maxWaitMs = opts.maxWaitMs ?? 20;
    this.maxTxsPerBlock = opts.maxTxsPerBlock ?? 2_000;
    this.maxPending = opts.maxPending ?? 50_000;
    this.now = opts.now ?? Date.now;
    const worker = opts.signatureWorker ?? availableParallelism() > 1;
    this.verifier = worker ? new SignatureVerifier() : undefined;
    this.signHeader = opts.signHeader;
  }

  get pendingCount(): number {
    return this.queue.length + this.verifying;
  }

  /**
   * Submit encoded transaction bytes; resolves with the committed result, rejects with the code
   * checkTx or the simulation on top of the mempool gives. Refused work never reaches a block.
   */
  submit(bytes: Uint8Array): Promise<CommittedTx> {
    if (this.stopped) return Promise.reject(makeError("NODE_NOT_READY", "The engine is stopping"));
    if (this.pendingCount >= this.maxPending) return Promise.reject(makeError("MEMPOOL_FULL"));
    const deferred = this.verifier !== undefined;
    const check = this.app.checkTx(bytes, { deferSignature: deferred, admit: true });
    if (check.refusal) return Promise.reject(check.refusal);
    const { hash, signature } = check;
    return new Promise<CommittedTx>((resolve, reject) => {
      const enqueue = (): void => {
        if (this.stopped) {
          // The engine halted (a block failed) while the signature was being checked.
          this.app.releaseTx(hash, "NODE_NOT_READY");
          reject(makeError("NODE_NOT_READY", "The engine has stopped"));
          return;
        }
        if (deferred) {
          // Simulated now, in arrival order: the verifier answers in the order it was asked.
          const { refusal } = this.app.admitTx(hash);
          if (refusal) {
            reject(refusal);
            return;
          }
        }
        this.queue.push({ bytes, hash, resolve, reject });
        this.schedule();
      };
      if (!signature || !this.verifier) {
        enqueue();
        return;
      }
      this.verifying++;
      void this.verifier.verify(signature).then((ok) => {
        this.verifying--;
        if (!ok) {
          this.app.releaseTx(hash, "TX_BAD_SIGNATURE");
          reject(makeError("TX_BAD_SIGNATURE"));
          return;
        }
        enqueue();
      });
    });
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.maxTxsPerBlock) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.runBlock();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.runBlock();
      }, this.maxWaitMs);
    }
  }

  private runBlock(): void {
    if (this.running) return;
    this.running = this.produce()
      .catch((e: unknown) => {
        // A failure to finalize or persist leaves the node unable to go on safely: stop cutting.
        this.stopped = true;
        for (const w of this.queue.splice(0)) w.reject(e);
        throw e;
      })
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule();
      });
    this.running.catch(() => undefined);
  }

  private async produce(): Promise<void> {
    const batch = this.queue.splice(0, this.maxTxsPerBlock);
    if (batch.length === 0) return;
    const { lastBlockHeight, lastBlockTime } = this.app.info();
    const height = lastBlockHeight + 1;
    const time = Math.max(lastBlockTime, this.now());
    try {
      const { txResults } = this.app.finalizeBlock({
        height,
        time,
        txs: batch.map((w) => w.bytes),
      });
      await this.app.commit(this.signHeader);
      batch.forEach((w, index) => {
        w.resolve({ ...txResults[index]!, height, index });
      });
    } catch (e) {
      for (const w of batch) w.reject(e);
      throw e;
    }
  }

  /** Commit what is queued, then refuse new work. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running || this.queue.length > 0 || this.verifying > 0) {
      if (this.verifying > 0 && !this.running && this.queue.length === 0) {
        // Signatures still in flight: let them land in the queue first.
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      if (!this.running) this.runBlock();
      await this.running?.catch(() => undefined);
      if (this.stopped) break;
    }
    this.stopped = true;
    await this.verifier?.close();
  }
}
