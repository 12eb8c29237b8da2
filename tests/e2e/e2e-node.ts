/** A real node on a temp data dir and an ephemeral loopback port, for end-to-end tests. */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { type RunningNode, runNode } from "../../src/node/node.js";
import { loadNodeConfig, type NodeSettings } from "../../src/node/node-config.js";
import { type TxStep, testGenesis } from "../support/consortium.js";
import { signed } from "../support/signers.js";

export interface E2eNode {
  readonly node: RunningNode;
  readonly url: string;
  readonly dir: string;
  /** The signer's next nonce, as the node says (GET /v1/accounts/{key}: after its mempool). */
  nextNonce(signer: Signer): Promise<number>;
  /** Sign with the node's next nonce and submit; fails the test unless committed with code 0. */
  submit(signer: Signer, type: TxType, params: JsonObject): Promise<Record<string, unknown>>;
  /** submit() each step, in order (e.g. consortiumSteps). */
  run(steps: readonly TxStep[]): Promise<void>;
  stop(): Promise<void>;
}

/** Start a node on the test genesis: one regulator, REGULATOR in tests/support/consortium.ts. */
export async function startE2eNode(settings: Partial<NodeSettings> = {}): Promise<E2eNode> {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-e2e-"));
  writeFileSync(path.join(dir, "genesis.json"), JSON.stringify(testGenesis()));
  const config = loadNodeConfig(dir, { port: 0, s13Port: 0, blockMaxWaitMs: 5, ...settings });
  const node = await runNode(config, { logger: pino({ level: "silent" }) });
  const nextNonce = async (signer: Signer): Promise<number> => {
    const r = await http(`${node.url}/v1/accounts/${signer.keyId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.nextNonce as number;
  };
  const submit = async (signer: Signer, type: TxType, params: JsonObject) => {
    const r = await post(node.url, signed(signer, await nextNonce(signer), type, params));
    assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 0, `${type}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    node,
    url: node.url,
    dir,
    nextNonce,
    submit,
    async run(steps) {
      for (const s of steps) await submit(s.signer, s.type, s.params);
    },
    async stop() {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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

/** Wait until `ok()` holds, polling every 25 ms; fail naming `what` after `ms`. */
export async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
