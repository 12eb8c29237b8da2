import { makeError } from "../../core/errors/devicechain-error.js";
import { toCompactStateProof } from "../../core/proof/compact-state-proof.js";
import type { CompactStateProofJson, ProofBundleJson } from "../../core/proof/proof-bundle.js";
import { readChain } from "../../core/state/chain.js";
import type { StoredBlock } from "../block.js";
import type { LedgerStore } from "../storage/ledger-store.js";
import type { ProofSource } from "./proof-source.js";

/**
 * Proof bundles on the embedded engine: the state proofs and the node-signed header of the same
 * height. Why no commit can land between them: the store changes only in LedgerStore.commit, one
 * synchronous call (the LMDB write transaction, the in-memory tree and the last-commit record
 * together), and `bundle` reads everything in one synchronous call too, on the same thread. The
 * two cannot interleave; `bundle` still checks that the header's app hash is the one every
 * entry reached, so a bundle whose parts disagree is never served.
 */
export class EmbeddedProofSource implements ProofSource {
  /** The last signed block read, by height: every bundle of a height shares its header. */
  private block: StoredBlock | undefined;
  /** The last height known to be flushed to disk, and the wait for a later one. */
  private flushedHeight = -1;
  private flushing: { readonly height: number; readonly done: Promise<void> } | undefined;
  private chainId: string | undefined;

  constructor(private readonly store: LedgerStore) {}

  /**
   * A bundle at the last committed height (the only state whose tree the node keeps), answered
   * once that block is flushed to disk: a header the node signed must never be lost and cut
   * again differently after a crash.
   */
  async prove(keys: readonly string[], height?: number): Promise<ProofBundleJson> {
    const bundle = this.bundle(keys, height);
    if (this.flushedHeight < this.store.last.height) await this.flushed(this.store.last.height);
    return bundle;
  }

  /** Wait until every commit up to `height` is on disk; concurrent bundles share one wait. */
  private flushed(height: number): Promise<void> {
    if (this.flushing?.height !== height) {
      const done = this.store.flushed().then(() => {
        this.flushedHeight = Math.max(this.flushedHeight, height);
      });
      this.flushing = { height, done };
    }
    return this.flushing.done;
  }

  /**
   * The bundle, read synchronously from the committed state. `height` may name the last height,
   * or an earlier one whose signed header carries the same app hash (the same state).
   */
  bundle(keys: readonly string[], height?: number): ProofBundleJson {
    const last = this.store.last;
    const latest = this.signedBlock(last.height);
    if (latest.header.appHash !== last.appHash) {
      throw makeError("INTERNAL", `Block ${last.height}'s header and the committed state disagree`);
    }
    const block = height === undefined || height === last.height ? latest : this.earlier(height);
    if (block?.signature === undefined || block.header.appHash !== last.appHash) {
      throw makeError(
        "PROOF_HEIGHT_UNAVAILABLE",
        `The node keeps the state of height ${last.height} only`,
        { data: { requested: height, available: last.height } },
      );
    }
    const entries: CompactStateProofJson[] = keys.map((key) => {
      const { height: at, proof } = this.store.stateProof(key);
      if (at !== last.height) throw makeError("INTERNAL", "The state moved while being proved");
      return toCompactStateProof(proof);
    });
    return {
      version: 1,
      chainId: this.chainIdOf(block),
      height: block.header.height,
      appHash: last.appHash,
      entries,
      commit: {
        engine: "embedded",
        header: { ...block.header },
        signature: { keyId: block.signature.keyId, sig: block.signature.sig },
      },
    };
  }

  /** The chain id never changes once genesis is written: read once. */
  private chainIdOf(block: StoredBlock): string {
    this.chainId ??= readChain(this.store)?.chainId ?? block.header.chainId;
    return this.chainId;
  }

  private earlier(height: number): StoredBlock | undefined {
    return Number.isSafeInteger(height) && height >= 0 && height < this.store.last.height
      ? this.store.getBlock(height)
      : undefined;
  }

  /** The signed block at `height`; PROOF_UNAVAILABLE for genesis or a block no node key signed. */
  private signedBlock(height: number): StoredBlock {
    const cached = this.block;
    if (cached?.header.height === height) return cached;
    const block = this.store.getBlock(height);
    if (block?.signature === undefined) {
      throw makeError(
        "PROOF_UNAVAILABLE",
        height === 0
          ? "Only genesis is committed, and genesis is not signed: a bundle needs a later block"
          : `Block ${height} carries no node signature`,
        { data: { height } },
      );
    }
    this.block = block;
    return block;
  }
}
