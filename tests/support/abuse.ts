/**
 * What the abuse suite checks before and after each attack: the node still answers, the ledger
 * has not moved (no block, same app hash) and its store has not grown beyond LMDB's own slack.
 */
import * as assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** A node as the abuse tests see it: its REST URL and data directory. */
export interface AbuseTarget {
  readonly url: string;
  readonly dir: string;
}

export interface LedgerFingerprint {
  readonly healthy: boolean;
  readonly height: number;
  readonly appHash: string;
  /** Bytes of every file under DIR/ledger. */
  readonly storeBytes: number;
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return total;
}

/** The node's health, last block and store size, read over its real HTTP API and the disk. */
export async function fingerprint(target: AbuseTarget): Promise<LedgerFingerprint> {
  const health = await fetch(`${target.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  const latest = await fetch(`${target.url}/v1/blocks/latest`, {
    signal: AbortSignal.timeout(5_000),
  });
  const { header } = (await latest.json()) as { header: { height: number; appHash: string } };
  return {
    healthy: health.status === 200,
    height: header.height,
    appHash: header.appHash,
    storeBytes: bytesUnder(path.join(target.dir, "ledger")),
  };
}

/**
 * The attack left no trace: the node is healthy, no block was added, the app hash is the same
 * and the store grew by at most `slackBytes` (LMDB may touch a page or two on a read).
 */
export function assertUnharmed(
  before: LedgerFingerprint,
  after: LedgerFingerprint,
  slackBytes = 64 * 1024,
): void {
  assert.equal(after.healthy, true, "the node stopped answering /healthz");
  assert.equal(after.height, before.height, "the attack added blocks");
  assert.equal(after.appHash, before.appHash, "the attack changed the app hash");
  assert.ok(
    after.storeBytes - before.storeBytes <= slackBytes,
    `the store grew by ${after.storeBytes - before.storeBytes} bytes`,
  );
}
