import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { TxEngine } from "../../ledger/engine/tx-engine.js";
import type { ProofSource } from "../../ledger/read/proof-source.js";
import type { CheckReportDeps } from "../../servers/check/check-routes.js";
import { connectionPolicyOf } from "../../servers/connection-policy.js";
import type { EquipmentCheck } from "../../servers/equipment-check.js";
import { buildHttpServer } from "../../servers/http-server.js";
import type { NodeMetrics } from "../../servers/metrics/node-metrics.js";
import type { AccessStore } from "../access-store/access-store.js";
import type { NodeFiles } from "../data-dir.js";
import type { NodeConfig } from "../node-config.js";
import type { PushService } from "../push/push-service.js";
import { NODE_VERSION } from "../version.js";
import type { Service } from "./service.js";

/** The HTTP server once it listens: REST, events, webhooks, N5g-eir and rlm_rest on one port. */
export interface SbiService {
  readonly http: FastifyInstance;
  readonly url: string;
}

export interface SbiParts {
  readonly engine: TxEngine;
  readonly metrics: NodeMetrics;
  readonly push: PushService;
  /** What N5g-eir and rlm_rest ask. */
  readonly check: EquipmentCheck;
  readonly files: Pick<NodeFiles, "accessTokens" | "rlmRestToken">;
  /** Paid access's store, which the access plugin reads keys from and meters into. */
  readonly access: AccessStore;
  /** What /readyz answers: false until the node has started, and again once it is closing. */
  readonly ready: () => boolean;
  /** What check reports need: the TAC database, the node key, proofs. */
  readonly checkReports?: CheckReportDeps | undefined;
  /** Proof bundles for the engine that runs (services/proofs.ts). */
  readonly proofs?: ProofSource;
}

/** Build the HTTP server (HTTP/1.1 and h2c) and listen on config.host:config.port. */
export async function startSbi(
  config: NodeConfig,
  parts: SbiParts,
  logger: Logger,
): Promise<Service<SbiService>> {
  const { engine } = parts;
  const http = await buildHttpServer({
    app: engine.app,
    reads: engine.app.reads,
    engine,
    metrics: parts.metrics,
    logger,
    dev: config.dev,
    commitTimeoutMs: config.commitTimeoutMs,
    check: parts.check,
    accessTokens: parts.files.accessTokens,
    push: parts.push,
    watches: parts.push,
    rlmRestToken: parts.files.rlmRestToken,
    connections: connectionPolicyOf(config),
    version: NODE_VERSION,
    ready: parts.ready,
    checkReports: parts.checkReports,
    access: { book: parts.access, settings: config.access },
    proofs: parts.proofs,
  });
  let url: string;
  try {
    url = await http.listen({ host: config.host, port: config.port });
  } catch (cause) {
    await http.close();
    const hint =
      (cause as { code?: string }).code === "EADDRINUSE"
        ? ": the port is in use; choose another with --port"
        : "";
    throw makeError("NODE_LISTEN_FAILED", `Cannot listen on ${config.host}:${config.port}${hint}`, {
      cause,
    });
  }
  return { name: "HTTP API", value: { http, url }, stop: () => http.close() };
}
