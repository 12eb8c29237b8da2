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
import type { TacDb } from "../../src/core/identifiers/tac-db.js";
import { lastNonce } from "../../src/core/machine/verify.js";
import { headerSigner } from "../../src/core/proof/header-signature.js";
import type { SignedTx } from "../../src/core/tx/transaction.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { LedgerApp } from "../../src/ledger/application.js";
import { EmbeddedEngine } from "../../src/ledger/engine/embedded-engine.js";
import { EmbeddedProofSource } from "../../src/ledger/read/embedded-proofs.js";
import { AccessStore } from "../../src/node/access-store/access-store.js";
import { readTacDb } from "../../src/node/tac-db-file.js";
import type { AccessBook } from "../../src/servers/access/access-book.js";
import type { AccessScope } from "../../src/servers/access/access-context.js";
import { type AccessSettings, DEFAULT_ACCESS } from "../../src/servers/access/access-plans.js";
import { DEFAULT_CONNECTION_POLICY } from "../../src/servers/connection-policy.js";
import { buildHttpServer } from "../../src/servers/http-server.js";
import { LedgerEquipmentCheck } from "../../src/servers/ledger-equipment-check.js";
import { createNodeMetrics } from "../../src/servers/metrics/node-metrics.js";
import type { WatchRegistry } from "../../src/servers/watch/watch-registry.js";
import { type TxStep, testGenesis } from "./consortium.js";
import { signed, testSigner } from "./signers.js";

/** The inject app's node key: it signs block headers and check reports, as a node signs with node.key. */
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
  /** The temporary data directory (its access/ is the access store the CLI can open too). */
  readonly dir: string;
  /** Paid access's store, in the app's temporary directory. */
  readonly access: AccessStore;
  /** A new API key (the presented form) for an org on a plan (default: business, every scope it has). */
  apiKey(opts?: { org?: string; plan?: string; scopes?: readonly AccessScope[] }): string;
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

/** The shipped TAC database, parsed once per test process. */
let tacDb: TacDb | undefined;
function shippedTacDb(): TacDb {
  tacDb ??= readTacDb();
  return tacDb;
}

/** Build the HTTP server on a fresh test chain (nothing listens). */
export async function startHttpApp(
  opts: {
    unknownDevicePolicy?: EirUnknownDevicePolicy;
    /** Serve the /v1/watches routes over this registry, as the node does over its push service. */
    watches?: (app: LedgerApp) => WatchRegistry;
    /** Called before the server is ready: a test's own hooks (e.g. a stand-in's onRequest). */
    configure?: (fastify: FastifyInstance) => void;
    access?: AccessSettings;
    /** Routes registered before the server is ready (e.g. a test's own route with config.access). */
    routes?: (fastify: FastifyInstance) => void;
    /** Wrap the access store as the plugin sees it (a test injecting a failing disk). */
    book?: (store: AccessStore) => AccessBook;
  } = {},
): Promise<HttpApp> {
  const unknownDevicePolicy = opts.unknownDevicePolicy ?? "reject";
  const dir = mkdtempSync(path.join(tmpdir(), "dc-inject-"));
  const app = LedgerApp.open(dir);
  app.initChain(testGenesis());
  // Headers signed as the node signs them, so proof bundles can be built.
  const engine = new EmbeddedEngine(app, { maxWaitMs: 5, signHeader: headerSigner(NODE_KEY) });
  const metrics = createNodeMetrics(app, () => engine.pendingCount);
  const watches = opts.watches?.(app);
  const access = AccessStore.open(dir);
  const accessSettings = opts.access ?? DEFAULT_ACCESS;
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
    ...(watches ? { watches } : {}),
    checkReports: { tacs: shippedTacDb(), signer: NODE_KEY },
    access: { book: opts.book ? opts.book(access) : access, settings: accessSettings },
    proofs: new EmbeddedProofSource(app.store),
  });
  opts.configure?.(fastify);
  opts.routes?.(fastify);
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
    dir,
    access,
    apiKey(o = {}) {
      const plan = o.plan ?? "business";
      const scopes =
        o.scopes ?? (Object.keys(accessSettings.plans[plan]?.scopes ?? {}) as AccessScope[]);
      return access.createKey({ org: o.org ?? "test-org", plan, scopes, now: Date.now() }).key;
    },
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
      await access.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error code of an error reply (injected or over a socket). */
export const codeOf = (r: { readonly body: Record<string, unknown> }): unknown =>
  (r.body.error as { code?: unknown } | undefined)?.code;
