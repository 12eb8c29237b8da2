/**
 * The light-client scenario on a real network, shared by the fixture capture
 * (capture-light-fixtures.ts, which wrote tests/fixtures/cometbft/) and the live test
 * (light-client.test.ts): four validators of power 10 and a full node. The regulator's
 * `validator.set` makes the full node's member a validator of power 30 (every commit then needs
 * two of the first four: over 1/3 of the genesis power); one first validator stops and its store
 * proves two keys; a second `validator.set` raises the new one to 70 (of 110) and two more stop, so
 * the chain goes on signed by the regulator's validator and the new one: 10 of the genesis 40.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { appDir, cometHome } from "../../src/clients/net/net-layout.js";
import { stopNode } from "../../src/clients/net/net-processes.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { memberKey } from "../../src/core/state/keys.js";
import { LedgerStore } from "../../src/ledger/storage/ledger-store.js";
import { signed } from "../support/signers.js";
import { getJson, postTx, startTestNet, type TestNet, waitFor } from "./test-net.js";

/** CometBFT's RPC JSON for one height: `/commit` result.signed_header and `/validators` result. */
export interface CapturedHeight {
  readonly height: number;
  readonly signedHeader: Record<string, unknown>;
  readonly validators: Record<string, unknown>;
}

/** What the scenario captured, as CometBFT's RPC answered and the node's store proved. */
export interface Captured {
  readonly chainId: string;
  /** DIR/genesis.json: the devicechain genesis with its validators. */
  readonly genesis: Record<string, unknown>;
  /** A height signed by the genesis set. */
  readonly plain: CapturedHeight;
  /** The first height signed by the set that `validator.set` changed (five validators). */
  readonly changed: CapturedHeight;
  /** A height signed only by the regulator's validator and the new one (under 1/3 of genesis). */
  readonly lowOverlap: CapturedHeight;
  /** A stopped node's state proofs at its last height, and the next height's commit (its app hash). */
  readonly proofs: {
    readonly height: number;
    readonly appHash: string;
    readonly entries: readonly unknown[];
    readonly next: CapturedHeight;
  };
}

/** A member key proved present, and a device key proved absent. */
export const PROVED_KEYS = [memberKey("operator-1"), "device/never-registered"] as const;

const rpcOf = (net: TestNet, i: number): string => `http://127.0.0.1:${net.node(i).ports.rpc}`;

async function rpc(net: TestNet, i: number, query: string): Promise<Record<string, unknown>> {
  const r = await getJson(`${rpcOf(net, i)}/${query}`);
  const result = r.body.result as Record<string, unknown> | undefined;
  if (!result) throw new Error(`${query}: ${JSON.stringify(r.body)}`);
  return result;
}

async function latestHeight(net: TestNet, i: number): Promise<number> {
  const status = await rpc(net, i, "status");
  return Number((status.sync_info as { latest_block_height: string }).latest_block_height);
}

/**
 * The commit and the validator set of `height`, once the next block exists: `/commit` then
 * answers the canonical commit (the next block's last commit, with the precommits that arrived in
 * time for it) rather than the first 2/3 a node saw.
 */
export async function captureHeight(
  net: TestNet,
  i: number,
  height: number,
): Promise<CapturedHeight> {
  await waitFor(`height ${height + 1}`, async () => (await latestHeight(net, i)) > height, 60_000);
  const commit = await rpc(net, i, `commit?height=${height}`);
  const validators = await rpc(net, i, `validators?height=${height}&per_page=100`);
  return {
    height,
    signedHeader: commit.signed_header as Record<string, unknown>,
    validators,
  };
}

const committers = (h: CapturedHeight): number =>
  ((h.signedHeader.commit as { signatures: { block_id_flag: number }[] }).signatures ?? []).filter(
    (s) => s.block_id_flag === 2,
  ).length;

const signedBy = (h: CapturedHeight, address: string): boolean =>
  (
    h.signedHeader.commit as { signatures: { block_id_flag: number; validator_address: string }[] }
  ).signatures.some((s) => s.block_id_flag === 2 && s.validator_address === address);

/** Start the network, run the scenario, capture; the caller closes the network. */
export async function runValidatorChange(): Promise<{ net: TestNet; captured: Captured }> {
  const net = await startTestNet({ validators: 4, fullNodes: 1 });
  try {
    const chainId = net.chainId;
    const genesis = JSON.parse(readFileSync(path.join(net.dir, "genesis.json"), "utf8")) as Record<
      string,
      unknown
    >;
    await waitFor("height 3", async () => (await latestHeight(net, 0)) >= 3, 30_000);
    const plain = await captureHeight(net, 0, await latestHeight(net, 0));

    const newMember = net.node(4).name;
    const keyFile = path.join(cometHome(net.dir, newMember), "config", "priv_validator_key.json");
    const key = JSON.parse(readFileSync(keyFile, "utf8")) as {
      address: string;
      pub_key: { value: string };
    };
    const regulator: Signer = net.key("regulator");
    /** `validator.set` for the new member at `power`; the height of its block. */
    const setPower = async (power: number): Promise<number> => {
      const account = await getJson(`${net.url(0)}/v1/accounts/${regulator.keyId}`);
      const tx = signed(
        regulator,
        account.body.nextNonce as number,
        "validator.set",
        { member: newMember, pubKey: key.pub_key.value, power },
        chainId,
      );
      const reply = await postTx(net.url(0), tx);
      if (reply.status !== 200 || reply.body.code !== 0) {
        throw new Error(`validator.set: ${JSON.stringify(reply.body)}`);
      }
      return reply.body.height as number;
    };

    // Power 30 of 70: every commit of the changed set needs the new validator and two of the
    // first four, which is over 1/3 of the genesis power. An update in block H's results takes
    // effect for the header of H + 2.
    const firstChange = await setPower(30);
    let changed: CapturedHeight | undefined;
    for (let h = firstChange + 2; !changed; h++) {
      if (h > firstChange + 20) throw new Error("no commit by the changed set");
      const c = await captureHeight(net, 0, h);
      if (signedBy(c, key.address)) changed = c;
    }

    // One of the first validators stops; its store keeps the state proofs of its last height.
    const prover = net.node(1).name;
    await stopNode(net.dir, prover);
    const store = LedgerStore.open(path.join(appDir(net.dir, prover), "ledger"));
    let proved: { height: number; appHash: string; entries: unknown[] };
    try {
      const each = PROVED_KEYS.map((k) => store.stateProof(k));
      proved = {
        height: each[0]!.height,
        appHash: each[0]!.appHash,
        entries: each.map((p) => p.proof),
      };
    } finally {
      await store.close();
    }
    const next = await captureHeight(net, 0, proved.height + 1);

    // Power 70 of 110: the new validator and the regulator's (80, over 2/3) carry the chain once
    // two more stop, and the new one alone (under 2/3) cannot, so every commit from then is signed
    // by both: 10 of the genesis set's 40. At 1000 the new validator could commit alone, and a slow
    // machine's commits then lacked the regulator's vote.
    const secondChange = await setPower(70);
    // Not before the new power signs (from header H + 2): until then the two left are 40 of 70.
    await captureHeight(net, 0, secondChange + 2);
    await Promise.all([2, 3].map((i) => stopNode(net.dir, net.node(i).name)));
    let lowOverlap: CapturedHeight | undefined;
    for (let h = Math.max(secondChange + 3, await latestHeight(net, 0)); !lowOverlap; h++) {
      if (h > secondChange + 40) throw new Error("no commit by two validators");
      const c = await captureHeight(net, 0, h);
      if (committers(c) === 2 && signedBy(c, key.address)) lowOverlap = c;
    }
    return {
      net,
      captured: {
        chainId,
        genesis,
        plain,
        changed,
        lowOverlap,
        proofs: { ...proved, next },
      },
    };
  } catch (e) {
    await net.close();
    throw e;
  }
}
