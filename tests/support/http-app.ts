/**
 * The node's HTTP server over a fresh ledger, without a socket: for server unit tests that ask
 * their routes with fastify.inject. A temporary LMDB ledger on the test genesis, the embedded
 * engine, and every route the node serves (REST, events, N5g-eir, rlm_rest); close() removes it
 * all. Where a test needs the socket itself (h2c, deadlines, connection caps), use an e2e node.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import type { EirUnknownDevicePolicy } from "../../src/core/check/equipment-check.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import { lastNonce } from "../../src/core/machine/verify.js";
import { headerSigner } from "../../src/core/proof/header-signature.js";
import type { SignedTx } from "../../src/core/tx/transaction.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { LedgerApp } from "../../src/ledger/application.js";
import { EmbeddedEngine } from "../../src/ledger/engine/embedded-engine.js";
import { EmbeddedProofSource } from "../../src/ledger/read/embedded-proofs.js";
import { DEFAULT_CONNECTION_POLICY } from "../../src/servers/connection-policy.js";
import { buildHttpServer } from "../../src/servers/http-server.js";
import { LedgerEquipmentCheck } from "../../src/servers/ledger-equipment-check.js";
import { createNodeMetrics } from "../../src/servers/metrics/node-metrics.js";
import { type TxStep, testGenesis } from "./consortium.js";
import { signed, testSigner } from "./signers.js";

/** The key the inject app's engine signs block headers with, as a node signs with node.key. */
export const NODE_KEY: Signer = testSigner("inject-node");

/** One injected exchange: status, content type and the body parsed as JSON when it is JSON. */
export interface InjectReply {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Record<string, unknown>;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export interface HttpApp {
  readonly fastify: FastifyInstance;
  readonly app: LedgerApp;
  /** GET (or another method) a path, answered without a socket. */
  request(
    url: string,
    init?: { method?: string; body?: string; headers?: Record<string, string> },
  ): Promise<InjectReply>;
  /** POST /v1/txs. */
  post(tx: unknown): Promise<InjectReply>;
  /** Sign with the signer's next nonce (committed and pending) and commit; fails unless code 0. */
  submit(signer: Signer, type: TxType, params: JsonObject): Promise<Record<string, unknown>>;
  /** submit() each step in order. */
  run(steps: readonly TxStep[]): Promise<void>;
  close(): Promise<void>;
}

/** Build the HTTP server on a fresh test chain (nothing listens). */
export async function startHttpApp(
  opts: { unknownDevicePolicy?: EirUnknownDevicePolicy } = {},
): Promise<HttpApp> {
  const unknownDevicePolicy = opts.unknownDevicePolicy ?? "reject";
  const dir = mkdtempSync(path.join(tmpdir(), "dc-inject-"));
  const app = LedgerApp.open(dir);
  app.initChain(testGenesis());
  // Headers signed as the node signs them, so proof bundles can be built.
  const engine = new EmbeddedEngine(app, { maxWaitMs: 5, signHeader: headerSigner(NODE_KEY) });
  const metrics = createNodeMetrics(app, () => engine.pendingCount);
  const fastify = await buildHttpServer({
    app,
    reads: app.reads,
    engine,
    metrics,
    logger: pino({ level: "silent" }),
    dev: false,
    commitTimeoutMs: 10_000,
    // The node's one EquipmentCheck, with its default policies; observations go nowhere.
    check: new LedgerEquipmentCheck({
      reads: app.equipment,
      unknownDevice: {
        "n5g-eir": unknownDevicePolicy,
        s13: unknownDevicePolicy,
        radius: "reject",
        rlm_rest: "reject",
      },
      observe: () => undefined,
    }),
    connections: DEFAULT_CONNECTION_POLICY,
    version: "test",
    ready: () => true,
    proofs: new EmbeddedProofSource(app.store),
  });
  await fastify.ready();

  const request: HttpApp["request"] = async (url, init = {}) => {
    const res = await fastify.inject({
      method: (init.method ?? "GET") as "GET",
      url,
      ...(init.body === undefined ? {} : { payload: init.body }),
      headers:
        init.headers ?? (init.body === undefined ? {} : { "content-type": "application/json" }),
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      body = { text: res.body };
    }
    return {
      status: res.statusCode,
      contentType: String(res.headers["content-type"] ?? ""),
      headers: res.headers,
      body,
      text: res.body,
    };
  };
  const post = (tx: unknown) => request("/v1/txs", { method: "POST", body: JSON.stringify(tx) });
  const submit: HttpApp["submit"] = async (signer, type, params) => {
    const tx: SignedTx = signed(signer, lastNonce(app.mempool, signer.keyId) + 1, type, params);
    const r = await post(tx);
    if (r.status !== 200 || r.body.code !== 0) {
      throw new Error(`${type} refused: ${r.status} ${JSON.stringify(r.body)}`);
    }
    return r.body;
  };
  return {
    fastify,
    app,
    request,
    post,
    submit,
    async run(steps) {
      for (const s of steps) await submit(s.signer, s.type, s.params);
    },
    async close() {
      await fastify.close();
      metrics.detach();
      await engine.stop();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error code of an error reply (injected or over a socket). */
export const codeOf = (r: { readonly body: Record<string, unknown> }): unknown =>
  (r.body.error as { code?: unknown } | undefined)?.code;
