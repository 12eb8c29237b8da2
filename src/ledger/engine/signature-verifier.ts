import { Worker } from "node:worker_threads";
import { verifyEd25519 } from "../../core/crypto/ed25519.js";

/** One signature to check: the signer's key id, the signed bytes and the signature. */
export interface SignatureCheck {
  readonly keyId: string;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export interface VerifyBatch {
  readonly id: number;
  readonly items: readonly SignatureCheck[];
}

export interface VerifyResult {
  readonly id: number;
  readonly ok: Uint8Array;
}

const MAX_BATCH = 128;

interface Waiting {
  readonly check: SignatureCheck;
  readonly resolve: (ok: boolean) => void;
}

/**
 * Ed25519 verification on a worker thread, so that on a multi-core machine the mempool checks
 * signatures while the main thread executes and commits blocks. Checks arriving in the same turn
 * of the event loop travel as one batch. If the worker fails, verification falls back inline.
 */
export class SignatureVerifier {
  private readonly worker: Worker;
  private readonly inFlight = new Map<number, Waiting[]>();
  private queue: Waiting[] = [];
  private scheduled = false;
  private nextId = 1;
  private broken = false;

  constructor() {
    this.worker = new Worker(new URL("./signature-worker.js", import.meta.url));
    this.worker.unref();
    this.worker.on("message", (r: VerifyResult) => {
      const batch = this.inFlight.get(r.id);
      this.inFlight.delete(r.id);
      batch?.forEach((w, i) => {
        w.resolve(r.ok[i] === 1);
      });
    });
    this.worker.on("error", () => this.fallBack());
    this.worker.on("exit", () => this.fallBack());
  }

  verify(check: SignatureCheck): Promise<boolean> {
    if (this.broken) return Promise.resolve(inline(check));
    return new Promise((resolve) => {
      this.queue.push({ check, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.broken) {
      for (const w of batch) w.resolve(inline(w.check));
      return;
    }
    // Small batches stream results back, so blocks are cut while the worker goes on verifying.
    for (let start = 0; start < batch.length; start += MAX_BATCH) {
      const part = batch.slice(start, start + MAX_BATCH);
      const id = this.nextId++;
      this.inFlight.set(id, part);
      const message: VerifyBatch = { id, items: part.map((w) => w.check) };
      this.worker.postMessage(message);
    }
  }

  /** The worker is gone: answer everything it held, and everything after, on this thread. */
  private fallBack(): void {
    if (this.broken) return;
    this.broken = true;
    for (const batch of this.inFlight.values()) for (const w of batch) w.resolve(inline(w.check));
    this.inFlight.clear();
  }

  async close(): Promise<void> {
    this.broken = true;
    this.flush();
    for (const batch of this.inFlight.values()) for (const w of batch) w.resolve(inline(w.check));
    this.inFlight.clear();
    await this.worker.terminate();
  }
}

const inline = (c: SignatureCheck): boolean => verifyEd25519(c.keyId, c.message, c.signature);
