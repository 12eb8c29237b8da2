/**
 * The CometBFT fixtures in tests/fixtures/cometbft/ (see its README for how they were made: a real
 * four-validator network of the pinned v0.38.25), and proof bundles assembled from them.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { validatorsFromRpc } from "../../src/core/proof/cometbft/validator-set.js";
import type { CompactStateProofJson, ProofBundleJson } from "../../src/core/proof/proof-bundle.js";

/** One height as captured: CometBFT's `/commit` signed_header and `/validators` result. */
export interface FixtureHeight {
  readonly height: number;
  readonly signedHeader: {
    readonly header: Record<string, unknown>;
    readonly commit: Record<string, unknown>;
  };
  readonly validators: { readonly validators: readonly Record<string, unknown>[] };
}

export interface FixtureProofs {
  readonly height: number;
  readonly appHash: string;
  readonly entries: readonly CompactStateProofJson[];
  readonly next: FixtureHeight;
}

function fixtureDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "tests", "fixtures", "cometbft"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("no tests/fixtures/cometbft above this file");
    dir = up;
  }
  return path.join(dir, "tests", "fixtures", "cometbft");
}

const read = <T>(name: string): T =>
  JSON.parse(readFileSync(path.join(fixtureDir(), name), "utf8")) as T;

/** The network's devicechain genesis.json (chain id, genesis time, four validators of power 10). */
export const genesisFixture = (): Record<string, unknown> => read("genesis.json");
/** A height signed by the genesis set. */
export const plainFixture = (): FixtureHeight => read("plain.json");
/** The first height signed by the set `validator.set` changed (a fifth validator of power 100). */
export const changedFixture = (): FixtureHeight => read("changed.json");
/** A height signed by the regulator's validator and the new one only: under 1/3 of genesis power. */
export const lowOverlapFixture = (): FixtureHeight => read("low-overlap.json");
/** A stopped node's state proofs at its last height, and the next height that carries its app hash. */
export const proofsFixture = (): FixtureProofs => read("proofs.json");

/** A bundle's validator list from a captured `/validators` answer. */
export const bundleValidators = (h: FixtureHeight): { pubKey: string; power: number }[] =>
  validatorsFromRpc(h.validators.validators);

/** The complete, real bundle: the stopped node's state proofs and the next height's commit. */
export function cometBundleFixture(): ProofBundleJson {
  const p = proofsFixture();
  const chainId = p.next.signedHeader.header["chain_id"] as string;
  return {
    version: 1,
    chainId,
    height: p.height,
    appHash: p.appHash,
    entries: p.entries,
    commit: {
      engine: "cometbft",
      signedHeader: p.next.signedHeader,
      validators: bundleValidators(p.next),
    },
  };
}

/** Milliseconds since the epoch of a captured header's time, plus `plusMs`: a `now` for tests. */
export const timeOf = (h: FixtureHeight, plusMs = 0): number =>
  Date.parse(h.signedHeader.header["time"] as string) + plusMs;
