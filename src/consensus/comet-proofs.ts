import { makeError } from "../core/errors/devicechain-error.js";
import { toCompactStateProof } from "../core/proof/compact-state-proof.js";
import type { CometCommitJson, ProofBundleJson } from "../core/proof/proof-bundle.js";
import { readChain } from "../core/state/chain.js";
import type { ProofSource } from "../ledger/read/proof-source.js";
import type { LedgerStore } from "../ledger/storage/ledger-store.js";

export interface CometProofOptions {
  /** This node's CometBFT RPC, e.g. http://127.0.0.1:26657 (the engine's). */
  readonly rpcUrl: string;
  /**
   * Longest a bundle waits for the header that carries its app hash. After a block that changes
   * the state CometBFT makes the next one within about timeout_commit (150 ms) plus a round of
   * votes; 6 s also outlasts the 5 s interval of idle empty blocks.
   */
  readonly waitMs?: number;
  /** How often a missing height is asked for again while waiting. */
  readonly pollMs?: number;
  /** Each RPC request's deadline. */
  readonly requestTimeoutMs?: number;
}

/** Heights whose signed headers are kept; validator sets are kept by their hash. */
const CACHED_HEIGHTS = 64;
const CACHED_VALIDATOR_SETS = 8;
/** CometBFT's largest page of /validators. */
const PER_PAGE = 100;
const MAX_VALIDATORS = 10_000;

type Validators = CometCommitJson["validators"];

interface RpcHeader {
  readonly chain_id?: unknown;
  readonly height?: unknown;
  readonly app_hash?: unknown;
  readonly validators_hash?: unknown;
}

/**
 * Proof bundles under CometBFT. The app hash of state H is carried by header H+1, so a bundle of
 * height H pairs the state proofs (read synchronously at the app's committed height, before any
 * await) with header H+1 and its commit, fetched from this node's CometBFT RPC (waiting, bounded,
 * for H+1 when it is not committed yet), and the validator set that header names. The header's
 * app hash is checked against the proofs' before a bundle is answered.
 *
 * When the last blocks left the state unchanged (idle empty blocks), the same state is also the
 * state of those earlier heights, whose next headers exist already: a bundle is then of height
 * H-1, with header H, and waits for nothing.
 */
export class CometProofSource implements ProofSource {
  private readonly waitMs: number;
  private readonly pollMs: number;
  private readonly requestTimeoutMs: number;
  /** Signed headers (header + commit) by height, as promises so concurrent bundles share one fetch. */
  private readonly commits = new Map<number, Promise<Record<string, unknown>>>();
  /** Validator sets by validators_hash: the set changes far less often than the height. */
  private readonly validatorSets = new Map<string, Promise<Validators>>();
  private readonly closing = new AbortController();
  /** The default height for the last committed state seen: one block read per commit, not per bundle. */
  private available: { top: number; appHash: string; height: number } | undefined;
  private chainId: string | undefined;

  constructor(
    private readonly store: LedgerStore,
    private readonly opts: CometProofOptions,
  ) {
    this.waitMs = opts.waitMs ?? 6_000;
    this.pollMs = opts.pollMs ?? 25;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 2_000;
  }

  async prove(keys: readonly string[], height?: number): Promise<ProofBundleJson> {
    // Synchronous up to the first await: the proofs and the app hash are of one committed state.
    const last = this.store.last;
    const at = this.provableHeight(last.height, last.appHash, height);
    const entries = keys.map((key) => {
      const p = this.store.stateProof(key);
      if (p.height !== last.height)
        throw makeError("INTERNAL", "The state moved while being proved");
      return toCompactStateProof(p.proof);
    });
    // Cached once genesis is written (InitChain may come after the node starts).
    const chainId = this.chainId ?? readChain(this.store)?.chainId ?? "";
    if (chainId !== "") this.chainId = chainId;
    const signedHeader = await this.signedHeader(at + 1);
    const header = (signedHeader["header"] ?? {}) as RpcHeader;
    const carried = typeof header.app_hash === "string" ? header.app_hash.toLowerCase() : "";
    if (
      carried !== last.appHash ||
      header.height !== String(at + 1) ||
      header.chain_id !== chainId
    ) {
      throw makeError(
        "PROOF_SOURCE_MISMATCH",
        `Header ${at + 1} of chain ${String(header.chain_id)} carries app hash ${carried}, not ${last.appHash} of ${chainId}`,
        { data: { height: at + 1 } },
      );
    }
    const validators = await this.validatorsOf(at + 1, String(header.validators_hash));
    return {
      version: 1,
      chainId,
      height: at,
      appHash: last.appHash,
      entries,
      commit: { engine: "cometbft", signedHeader, validators },
    };
  }

  /** Abort every wait and fetch in flight; later bundles are refused. */
  close(): void {
    this.closing.abort();
  }

  /**
   * The height a bundle is of: `asked`, if the committed state is that height's state too (its
   * block's app hash is the current one), else PROOF_HEIGHT_UNAVAILABLE; by default the latest
   * height whose next header may already be committed.
   */
  private provableHeight(top: number, appHash: string, asked: number | undefined): number {
    // Height 0 is InitChain's state, whose app hash header 1 carries, as for any other height.
    const sameState = (h: number): boolean =>
      h === top || (h >= 0 && h < top && this.store.getBlock(h)?.header.appHash === appHash);
    const known = this.available;
    const available =
      known?.top === top && known.appHash === appHash
        ? known.height
        : sameState(top - 1)
          ? top - 1
          : top;
    this.available = { top, appHash, height: available };
    if (asked === undefined) return available;
    if (sameState(asked)) return asked;
    throw makeError("PROOF_HEIGHT_UNAVAILABLE", `The node can prove height ${available}`, {
      data: { requested: asked, available },
    });
  }

  private signedHeader(height: number): Promise<Record<string, unknown>> {
    const known = this.commits.get(height);
    if (known) return known;
    const fetched = this.waitFor(`commit?height=${height}`).then((result) => {
      const signed = (result as { signed_header?: unknown }).signed_header;
      if (typeof signed !== "object" || signed === null) {
        throw makeError("NODE_UNAVAILABLE", `CometBFT gave no signed header for ${height}`);
      }
      return signed as Record<string, unknown>;
    });
    this.remember(this.commits, height, fetched, CACHED_HEIGHTS);
    return fetched;
  }

  private validatorsOf(height: number, hash: string): Promise<Validators> {
    const known = this.validatorSets.get(hash);
    if (known) return known;
    const fetched = this.fetchValidators(height);
    this.remember(this.validatorSets, hash, fetched, CACHED_VALIDATOR_SETS);
    return fetched;
  }

  /** A bounded cache of promises; a failed one is dropped so the next bundle asks again. */
  private remember<K, V>(cache: Map<K, Promise<V>>, key: K, value: Promise<V>, max: number): void {
    if (cache.size >= max) cache.delete(cache.keys().next().value as K);
    cache.set(key, value);
    value.catch(() => {
      if (cache.get(key) === value) cache.delete(key);
    });
  }

  /** Every validator of a height, in CometBFT's order, stripped to what its hash covers. */
  private async fetchValidators(height: number): Promise<Validators> {
    const out: { pubKey: string; power: number }[] = [];
    for (let page = 1; out.length < MAX_VALIDATORS; page++) {
      const r = (await this.rpc(
        `validators?height=${height}&page=${page}&per_page=${PER_PAGE}`,
      )) as {
        validators?: { pub_key?: { type?: string; value?: string }; voting_power?: string }[];
        total?: string;
      };
      for (const v of r.validators ?? []) {
        const power = Number(v.voting_power);
        if (v.pub_key?.type !== "tendermint/PubKeyEd25519" || typeof v.pub_key.value !== "string") {
          throw makeError("NODE_UNAVAILABLE", `A validator of height ${height} has no Ed25519 key`);
        }
        if (!Number.isSafeInteger(power)) {
          throw makeError(
            "NODE_UNAVAILABLE",
            `A validator of height ${height} has no voting power`,
          );
        }
        out.push({ pubKey: v.pub_key.value, power });
      }
      if ((r.validators ?? []).length === 0 || out.length >= Number(r.total)) break;
    }
    return out;
  }

  /** Ask until CometBFT has the height (it answers an error before), bounded by waitMs. */
  private async waitFor(path: string): Promise<unknown> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      try {
        return await this.rpc(path);
      } catch (cause) {
        if (this.closing.signal.aborted) {
          throw makeError("NODE_NOT_READY", "The node is stopping", { cause });
        }
        if (Date.now() + this.pollMs > deadline) {
          throw makeError("PROOF_UNAVAILABLE", `CometBFT has not committed ${path} in time`, {
            cause,
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  /** One JSON-RPC call over GET; its error (or a failed exchange) is thrown. */
  private async rpc(path: string): Promise<unknown> {
    if (this.closing.signal.aborted) throw makeError("NODE_NOT_READY", "The node is stopping");
    let body: { result?: unknown; error?: { message?: string; data?: string } };
    try {
      const res = await fetch(`${this.opts.rpcUrl}/${path}`, {
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.requestTimeoutMs)]),
      });
      body = (await res.json()) as typeof body;
    } catch (cause) {
      throw makeError("NODE_UNAVAILABLE", `CometBFT RPC at ${this.opts.rpcUrl} did not answer`, {
        cause,
      });
    }
    if (body.error || body.result === undefined) {
      const why = `${body.error?.message ?? ""} ${body.error?.data ?? ""}`.trim();
      throw makeError("NODE_UNAVAILABLE", `CometBFT refused ${path}: ${why}`);
    }
    return body.result;
  }
}
