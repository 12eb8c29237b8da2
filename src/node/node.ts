import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { LedgerApp } from "../ledger/application.js";
import type { TxEngine } from "../ledger/engine/tx-engine.js";
import type { ObservationSink } from "../servers/check-observation.js";
import { LedgerEquipmentCheck } from "../servers/ledger-equipment-check.js";
import type { NrfRegistration } from "../servers/nrf/nrf-registration.js";
import type { AccessStore } from "./access-store/access-store.js";
import { CleanupStack } from "./cleanup-stack.js";
import { readNodeFiles } from "./data-dir.js";
import { createLogger } from "./logger.js";
import type { NodeConfig } from "./node-config.js";
import { startAccess } from "./services/access.js";
import { startEngine } from "./services/engine.js";
import { startLedger } from "./services/ledger.js";
import { startMetrics } from "./services/metrics.js";
import { startNrf } from "./services/nrf.js";
import { startObservations } from "./services/observations.js";
import { startProofs } from "./services/proofs.js";
import { startPush } from "./services/push.js";
import { type RadiusService, startRadius } from "./services/radius.js";
import { startS13 } from "./services/s13.js";
import { startSbi } from "./services/sbi.js";
import { readTacDb } from "./tac-db-file.js";
import { unauthenticatedInterfaceWarnings } from "./unauthenticated-warnings.js";

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
  /** Paid access's store: API keys, metering records, monthly counters. */
  readonly access: AccessStore;
  /**
   * Stop every service in the reverse order of their start: stop taking requests, commit what
   * is queued, close the ledger. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}

/** Seeds a chain with its first data (the demo consortium) through the engine, as signed transactions. */
export type ChainSeed = (engine: TxEngine, logger: Logger) => Promise<void>;

export interface RunNodeOptions {
  readonly logger?: Logger;
  /**
   * The demo data, seeded in dev mode before the API listens; under CometBFT only on the node
   * whose consensus.json asks for it, once the chain runs (a failure is logged).
   */
  readonly seedDemo?: ChainSeed;
  /** Called with every check the node answers, on any protocol, once it is recorded. */
  readonly onCheck?: ObservationSink;
  /**
   * A consortium node cannot follow the chain any more (a block failed to execute or persist).
   * By default the node closes; the CLI exits instead, and CometBFT stops with it.
   */
  readonly onHalt?: (error: unknown) => void;
  /** The clock webhook deliveries and watch expiry follow; Date.now by default (tests move it). */
  readonly clock?: () => number;
}

/**
 * Compose a node from its parts and start it: read the data directory's files, open the ledger,
 * choose the engine (CometBFT's when DIR/consensus.json exists, else the embedded one) and start
 * each service in turn on one clean-up stack. If any part fails to start, the parts already
 * started stop, in reverse order, and the error is thrown.
 */
export async function runNode(config: NodeConfig, opts: RunNodeOptions = {}): Promise<RunningNode> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const files = readNodeFiles(config);
  const tacs = readTacDb();
  for (const warning of unauthenticatedInterfaceWarnings(config)) logger.warn(warning);
  const stack = new CleanupStack(logger);
  let stopped: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (stopped ??= stack.close().then(() => logger.info("node stopped")));
  let ready = false;
  try {
    const app = await stack.start(startLedger(config, files.genesis));
    let engine: TxEngine | undefined;
    const metrics = await stack.start(startMetrics(app, () => engine?.pendingCount ?? 0));
    const push = await stack.start(
      startPush(config, app, files.nodeSigner, metrics, logger, opts.clock),
    );
    const onHalt = opts.onHalt ?? (() => void close());
    engine = await stack.start(
      startEngine(config, files.consensus, app, files.nodeSigner, logger, onHalt),
    );
    const observe = await stack.start(
      startObservations(
        config,
        engine,
        push,
        files.cloneReportSigner,
        metrics,
        logger,
        opts.onCheck,
      ),
    );
    // The one EquipmentCheck every protocol server asks, each under its unknown-device policy.
    const check = new LedgerEquipmentCheck({
      reads: app.equipment,
      unknownDevice: {
        "n5g-eir": config.unknownDevicePolicy,
        s13: config.unknownDevicePolicy,
        radius: config.radiusUnknownMac,
        rlm_rest: config.radiusUnknownMac,
      },
      observe,
    });
    const info = app.info();
    logger.info(
      { chainId: app.chainId, height: info.lastBlockHeight, appHash: info.lastBlockAppHash },
      "ledger open",
    );
    if (opts.seedDemo && config.dev && !files.consensus) await opts.seedDemo(engine, logger);
    const access = await stack.start(startAccess(config));
    const proofs = await stack.start(Promise.resolve(startProofs(files.consensus, app)));
    const sbi = await stack.start(
      startSbi(
        config,
        {
          engine,
          metrics,
          push,
          check,
          files,
          ready: () => ready,
          checkReports: { tacs, signer: files.nodeSigner },
          access,
          proofs,
        },
        logger,
      ),
    );
    const s13 = await stack.start(startS13(config, check, metrics, logger));
    const radius = await stack.start(startRadius(config, app, metrics, check, logger));
    const nrf = await stack.start(startNrf(config, files.nfInstanceId, sbi.url, logger));
    // The first to stop: /readyz turns false before anything else closes.
    stack.defer("readiness", () => {
      ready = false;
    });
    ready = true;
    logger.info(
      { url: sbi.url, dev: config.dev, nfInstanceId: files.nfInstanceId },
      `devicechain node listening on ${sbi.url}`,
    );
    if (opts.seedDemo && files.consensus?.seedDemo)
      seedWhenChainRuns(engine, opts.seedDemo, logger);
    return {
      config,
      app,
      engine,
      logger,
      http: sbi.http,
      url: sbi.url,
      s13Port: s13?.port,
      radius,
      nfInstanceId: files.nfInstanceId,
      nrf,
      access,
      close,
    };
  } catch (e) {
    await stack.close().catch(() => undefined);
    throw e;
  }
}

/** Under CometBFT: seed once consensus has committed a block here (CometBFT is up, with a quorum). */
function seedWhenChainRuns(engine: TxEngine, seed: ChainSeed, logger: Logger): void {
  const runs =
    engine.app.info().lastBlockHeight >= 1
      ? Promise.resolve()
      : new Promise<void>((resolve) => engine.app.once("commit", () => resolve()));
  runs
    .then(() => seed(engine, logger))
    .catch((e: unknown) => {
      logger.error({ err: e }, "seeding the demo consortium failed");
    });
}
