import * as assert from "node:assert/strict";
/** A real node on a temp data dir and an ephemeral loopback port, for end-to-end tests. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { type Signer, signerFromSeed } from "../../src/core/crypto/ed25519.js";
import { sha256 } from "../../src/core/crypto/hash.js";
import { utf8 } from "../../src/core/encoding/bytes.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import type { Genesis } from "../../src/core/machine/genesis.js";
import { type SignedTx, signTx } from "../../src/core/tx/transaction.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { type RunningNode, runNode } from "../../src/node/node.js";
import { loadNodeConfig, type NodeSettings } from "../../src/node/node-config.js";

export const E2E_CHAIN = "devicechain-e2e";

export const e2eSigner = (name: string): Signer => signerFromSeed(sha256(utf8(`e2e:${name}`)));

export interface E2eNode {
  readonly node: RunningNode;
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** Start a node whose genesis has one regulator, e2eSigner("regulator"). */
export async function startE2eNode(settings: Partial<NodeSettings> = {}): Promise<E2eNode> {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-e2e-"));
  const genesis: Genesis = {
    chainId: E2E_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [
      {
        id: "regulator",
        role: "regulator",
        name: "E2E regulator",
        key: e2eSigner("regulator").keyId,
      },
    ],
  };
  writeFileSync(path.join(dir, "genesis.json"), JSON.stringify(genesis));
  const config = loadNodeConfig(dir, { port: 0, s13Port: 0, blockMaxWaitMs: 5, ...settings });
  const node = await runNode(config, { logger: pino({ level: "silent" }) });
  return {
    node,
    url: node.url,
    dir,
    async stop() {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A signed transaction for the e2e chain. */
export function signed(
  signer: Signer,
  nonce: number,
  type: TxType,
  params: JsonObject,
  chain = E2E_CHAIN,
): SignedTx {
  return signTx(signer, { chain, signer: signer.keyId, nonce, type, params });
}

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Record<string, unknown>;
}

/** One HTTP exchange over real loopback, the body parsed as JSON when it is JSON. */
export async function http(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    ...(init.body === undefined ? {} : { body: init.body }),
    headers:
      init.headers ?? (init.body === undefined ? {} : { "content-type": "application/json" }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body };
}

export const post = (url: string, tx: unknown): Promise<Reply> =>
  http(`${url}/v1/txs`, { method: "POST", body: JSON.stringify(tx) });

/** The error code of an error reply. */
export const codeOf = (r: Reply): unknown => (r.body.error as { code?: unknown } | undefined)?.code;

/** Wait until `ok()` holds, polling every 25 ms; fail naming `what` after `ms`. */
export async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
