import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Signer } from "../core/crypto/ed25519.js";
import { makeError } from "../core/errors/devicechain-error.js";
import { parseGenesis } from "../core/machine/genesis.js";
import { headerSigner } from "../core/proof/header-signature.js";
import { LedgerApp } from "../ledger/application.js";
import { EmbeddedEngine } from "../ledger/engine/embedded-engine.js";
import type { TxEngine } from "../ledger/engine/tx-engine.js";
import type { CheckObservation } from "../servers/check-observation.js";
import { connectionMetrics, connectionPolicyOf } from "../servers/connection-policy.js";
import { AccessTokenVerifier } from "../servers/eir/access-token.js";
import { buildHttpServer } from "../servers/http-server.js";
import { createNodeMetrics } from "../servers/metrics/node-metrics.js";
import { eirProfile, NrfRegistration } from "../servers/nrf/nrf-registration.js";
import type { RadiusCheckHook } from "../servers/radius/radius-check.js";
import { DiameterPeerList } from "../servers/s13/diameter-peers.js";
import { S13Server } from "../servers/s13/s13-server.js";
import { generateSeed, readKeyFile, writeKeyFile } from "./key-file.js";
import { createLogger } from "./logger.js";
import { GENESIS_FILE, type NodeConfig } from "./node-config.js";
import { startCloneDetection } from "./observations/clone-detector.js";
import { ObservationLog } from "./observations/observation-log.js";
import { observationCounter } from "./observations/observation-metrics.js";
import { startTracingAlerts } from "./observations/tracing-alerts.js";
import { pushMetrics } from "./push/push-metrics.js";
import { PushService } from "./push/push-service.js";
import { type RadiusService, startRadius } from "./radius-service.js";
import { readRlmRestToken } from "./rlm-rest-token.js";
import { unauthenticatedInterfaceWarnings } from "./unauthenticated-warnings.js";
import { NODE_VERSION } from "./version.js";

/** A node that is up: its ledger, its engine and the URL its API answers on. */
export interface RunningNode {
  readonly config: NodeConfig;
  readonly app: LedgerApp;
  readonly engine: TxEngine;
  readonly logger: Logger;
  readonly http: FastifyInstance;
  readonly url: string;
  /** The S13 Diameter port, or undefined when S13 is off. */
  readonly s13Port: number | undefined;
  /** The built-in RADIUS server and its ports, or undefined when it is off. */
  readonly radius: RadiusService | undefined;
  /** Our NfInstanceId on the SBI. */
  readonly nfInstanceId: string;
  /** The NRF registration, when nrfUri is set. */
  readonly nrf: NrfRegistration | undefined;
  /** Stop taking requests, commit what is queued, close the ledger. Idempotent. */
  close(): Promise<void>;
}

export interface RunNodeOptions {
  readonly logger?: Logger;
  /** Runs after the ledger opens and before the API listens, e.g. to seed the dev chain. */
  readonly beforeListen?: (node: Pick<RunningNode, "app" | "engine" | "logger">) => Promise<void>;
  /** Called for every RADIUS and rlm_rest device check the node answers (tracing). */
  readonly onRadiusCheck?: RadiusCheckHook;
  /** Another engine than the embedded one, e.g. CometBFT's (started once the ledger is open). */
  readonly engine?: (app: LedgerApp, logger: Logger) => Promise<TxEngine>;
}

/** The ledger lives in DIR/ledger. */
export const LEDGER_DIR = "ledger";
export const NF_INSTANCE_ID_FILE = "nf-instance-id";
/** Local, never replicated: the observation log, webhook queue and the node's signing key. */
export const OBSERVATIONS_DIR = "observations";
export const PUSH_DIR = "push";
export const NODE_KEY_FILE = "node.key";
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function readGenesis(dataDir: string) {
  const file = path.join(dataDir, GENESIS_FILE);
  if (!existsSync(file)) {
    throw makeError(
      "GENESIS_INVALID",
      `${file} does not exist: run \`devicechain init\` first, or \`devicechain start --dev\` for the demo chain`,
    );
  }
  try {
    return parseGenesis(JSON.parse(readFileSync(file, "utf8")));
  } catch (cause) {
    if (cause instanceof SyntaxError)
      throw makeError("GENESIS_INVALID", `${file} is not JSON`, { cause });
    throw cause;
  }
}

/** Open the ledger in config.dataDir, start the embedded engine, serve the API. */
export async function runNode(config: NodeConfig, opts: RunNodeOptions = {}): Promise<RunningNode> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const genesis = readGenesis(config.dataDir);
  const nfInstanceId = resolveNfInstanceId(config);
  const accessTokens = config.oauth2 ? accessTokenVerifier(config, nfInstanceId) : undefined;
  const rlmRestToken =
    config.rlmRestTokenFile === null
      ? undefined
      : readRlmRestToken(config.dataDir, config.rlmRestTokenFile);
  for (const warning of unauthenticatedInterfaceWarnings(config)) logger.warn(warning);
  const app = LedgerApp.open(path.join(config.dataDir, LEDGER_DIR));
  let ready = false;
  let closing: Promise<void> | undefined;
  try {
    app.initChain(genesis);
    app.mempool.limits = {
      ...app.mempool.limits,
      maxPerKey: config.mempoolMaxPerKey,
      maxPerMember: config.mempoolMaxPerMember,
    };
    // The node's key signs webhook deliveries and, on the embedded engine, every block header.
    const nodeKey = nodeSigner(config.dataDir);
    const engine: TxEngine = opts.engine
      ? await opts.engine(app, logger)
      : new EmbeddedEngine(app, {
          maxWaitMs: config.blockMaxWaitMs,
          maxTxsPerBlock: config.maxTxsPerBlock,
          signHeader: headerSigner(nodeKey),
        });
    const metrics = createNodeMetrics(app, engine);
    const observations = new ObservationLog({
      dir: path.join(config.dataDir, OBSERVATIONS_DIR),
      retentionMs: config.observationRetentionDays * DAY_MS,
      recentWindowMs: 6 * HOUR_MS,
    });
    // The gauges read the queue when /metrics is scraped, by which time `push` exists.
    const pushCounters = pushMetrics(metrics.registry, () => push.queueStats());
    const push = new PushService({
      path: path.join(config.dataDir, PUSH_DIR),
      app,
      signer: nodeKey,
      logger: logger.child({ component: "push" }),
      retentionMs: config.webhookRetentionHours * HOUR_MS,
      backoffMinMs: config.webhookRetryMinMs,
      backoffMaxMs: 5 * 60_000,
      requestTimeoutMs: 10_000,
      maxPerAccount: config.webhookMaxPerAccount,
      maxUndelivered: config.webhookMaxUndelivered,
      allowedHosts: config.webhookAllowedHosts,
      metrics: pushCounters,
    });
    startTracingAlerts(observations, app.store, push);
    startCloneDetection({
      log: observations,
      engine,
      signer:
        config.cloneReportKeyFile === null
          ? undefined
          : readKeyFile(path.resolve(config.dataDir, config.cloneReportKeyFile)),
      evidenceDir: path.join(config.dataDir, OBSERVATIONS_DIR, "evidence"),
      logger: logger.child({ component: "clones" }),
    });
    const observed = observationCounter(metrics.registry);
    // Every check is counted and logged; the log lets only authenticated ones reach the rules.
    const observe = (check: CheckObservation): void => {
      observed(check.protocol, check.authenticated);
      observations.record(check);
    };
    const onRadiusCheck: RadiusCheckHook = (o) => {
      observe({
        identifier: o.identifierKey,
        subscriber: o.subscriber,
        network: o.nas,
        protocol: o.via,
        answer: o.status,
        authenticated: o.authenticated,
      });
      opts.onRadiusCheck?.(o);
    };
    const info = app.info();
    logger.info(
      { chainId: app.chainId, height: info.lastBlockHeight, appHash: info.lastBlockAppHash },
      "ledger open",
    );
    await opts.beforeListen?.({ app, engine, logger });
    const http = await buildHttpServer({
      app,
      reads: app.reads,
      engine,
      metrics,
      logger,
      dev: config.dev,
      commitTimeoutMs: config.commitTimeoutMs,
      unknownDevicePolicy: config.unknownDevicePolicy,
      accessTokens,
      push,
      observe,
      radiusUnknownMac: config.radiusUnknownMac,
      onRadiusCheck,
      rlmRestToken,
      connections: connectionPolicyOf(config),
      version: NODE_VERSION,
      ready: () => ready,
    });
    let url: string;
    try {
      url = await http.listen({ host: config.host, port: config.port });
    } catch (cause) {
      await http.close();
      await engine.stop();
      const hint =
        (cause as { code?: string }).code === "EADDRINUSE"
          ? ": the port is in use; choose another with --port"
          : "";
      throw makeError(
        "NODE_LISTEN_FAILED",
        `Cannot listen on ${config.host}:${config.port}${hint}`,
        { cause },
      );
    }
    let s13: S13Server | undefined;
    let s13Port: number | undefined;
    if (config.s13Port >= 0) {
      s13 = new S13Server({
        statusOf: (key, subscriber) => app.store.equipmentStatus(key, subscriber),
        unknownDevicePolicy: config.unknownDevicePolicy,
        originHost: config.diameterHost,
        originRealm: config.diameterRealm,
        productName: "devicechain",
        firmwareRevision: firmwareRevision(NODE_VERSION),
        observe,
        peers: new DiameterPeerList(config.diameterPeers),
        unlistedPeers: config.diameterUnlistedPeers,
        connections: connectionPolicyOf(config),
        connectionMetrics: connectionMetrics(metrics.registry),
      });
      try {
        s13Port = await s13.listen(config.host, config.s13Port);
      } catch (cause) {
        await http.close();
        await engine.stop();
        throw makeError(
          "NODE_LISTEN_FAILED",
          `Cannot listen for S13 on ${config.host}:${config.s13Port}`,
          {
            cause,
          },
        );
      }
      logger.info(
        { s13: `${config.host}:${s13Port}` },
        `S13 Diameter EIR listening on ${config.host}:${s13Port}`,
      );
    }
    let radius: RadiusService | undefined;
    try {
      radius = await startRadius(config, app, metrics.registry, logger, onRadiusCheck);
    } catch (e) {
      await s13?.close();
      await http.close();
      await engine.stop();
      throw e;
    }
    let nrf: NrfRegistration | undefined;
    if (config.nrfUri !== null) {
      nrf = new NrfRegistration({
        nrfUri: config.nrfUri,
        profile: eirProfile({
          nfInstanceId,
          sbiHost: config.sbiAdvertiseHost ?? config.host,
          sbiPort: new URL(url).port === "" ? 80 : Number(new URL(url).port),
          heartbeatSeconds: config.nrfHeartbeatSeconds,
          oauth2Required: config.oauth2,
          nodeVersion: NODE_VERSION,
        }),
        logger: logger.child({ component: "nrf" }),
      });
      nrf.start();
    }
    ready = true;
    logger.info({ url, dev: config.dev, nfInstanceId }, `devicechain node listening on ${url}`);
    const close = (): Promise<void> => {
      closing ??= (async () => {
        ready = false;
        await nrf?.stop();
        await s13?.close();
        await radius?.server.close();
        await http.close();
        await engine.stop();
        await push.close();
        await observations.close();
        metrics.detach();
        await app.close();
        logger.info("node stopped");
      })();
      return closing;
    };
    return { config, app, engine, logger, http, url, s13Port, radius, nfInstanceId, nrf, close };
  } catch (e) {
    await app.close();
    throw e;
  }
}

/**
 * The node's own Ed25519 key (it signs webhook deliveries and the embedded engine's block headers):
 * DIR/node.key, made on first start.
 */
function nodeSigner(dataDir: string): Signer {
  const file = path.join(dataDir, NODE_KEY_FILE);
  return existsSync(file) ? readKeyFile(file) : writeKeyFile(file, generateSeed());
}

/** The configured NfInstanceId, or the one generated on first start and kept in DIR/nf-instance-id. */
function resolveNfInstanceId(config: NodeConfig): string {
  if (config.nfInstanceId !== null) return config.nfInstanceId;
  const file = path.join(config.dataDir, NF_INSTANCE_ID_FILE);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const id = randomUUID();
  writeFileSync(file, `${id}\n`);
  return id;
}

function accessTokenVerifier(config: NodeConfig, nfInstanceId: string): AccessTokenVerifier {
  if (config.oauth2PublicKeyFile === null) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      "config: oauth2 is on, so oauth2PublicKeyFile must name the NRF's token-signing public key (PEM)",
    );
  }
  const file = path.resolve(config.dataDir, config.oauth2PublicKeyFile);
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (cause) {
    throw makeError("REQUEST_BAD_PARAMS", `config: cannot read oauth2PublicKeyFile ${file}`, {
      cause,
    });
  }
  try {
    return new AccessTokenVerifier({
      publicKeyPem: pem,
      issuer: config.oauth2Issuer ?? undefined,
      nfType: "5G_EIR",
      nfInstanceId,
      scope: "n5g-eir-eic",
      leewaySeconds: 30,
    });
  } catch (cause) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      `config: oauth2PublicKeyFile ${file} is not a usable public key: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** Firmware-Revision (RFC 6733 §5.3.4) from a semantic version: 1.2.3 → 10203. */
function firmwareRevision(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version
    .split(".")
    .map((n) => Number.parseInt(n, 10) || 0);
  return major * 10_000 + minor * 100 + patch;
}
