import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { makeError } from "../core/errors/devicechain-error.js";
import type { LedgerApp } from "../ledger/application.js";
import type { TxEngine } from "../ledger/engine/tx-engine.js";
import { ledgerAbciHandler } from "./abci-ledger.js";
import { AbciServer } from "./abci-server.js";
import { CometEngine } from "./cometbft-engine.js";

/** DIR/consensus.json: present when this node's ledger runs under CometBFT. */
export const CONSENSUS_FILE = "consensus.json";

export interface ConsensusConfig {
  /** Where the ABCI server listens for this node's CometBFT (its proxy_app). */
  readonly abciHost: string;
  readonly abciPort: number;
  /** This node's CometBFT RPC, for broadcasting submissions. */
  readonly rpcUrl: string;
  /** Seed the demo consortium through consensus once the chain runs (one node of a demo net). */
  readonly seedDemo?: boolean;
}

/** DIR/consensus.json, or undefined when the node runs the embedded engine. */
export function readConsensusConfig(dataDir: string): ConsensusConfig | undefined {
  const file = path.join(dataDir, CONSENSUS_FILE);
  if (!existsSync(file)) return undefined;
  let c: Partial<ConsensusConfig>;
  try {
    c = JSON.parse(readFileSync(file, "utf8")) as Partial<ConsensusConfig>;
  } catch (cause) {
    throw makeError("CONFIG_INVALID", `${file} is not valid JSON`, { cause });
  }
  if (
    typeof c.abciHost !== "string" ||
    !Number.isSafeInteger(c.abciPort) ||
    typeof c.rpcUrl !== "string"
  ) {
    throw makeError("CONFIG_INVALID", `${file} needs abciHost, abciPort and rpcUrl`);
  }
  return c as ConsensusConfig;
}

export interface CometNodeHooks {
  readonly version: string;
  /**
   * A block could not be executed or persisted (e.g. LEDGER_CORRUPT): this node can no longer
   * follow the chain. The caller logs and exits; CometBFT stops with it.
   */
  readonly onFatal: (error: unknown) => void;
}

/**
 * The engine factory for runNode under CometBFT: serves ABCI for the local CometBFT and
 * broadcasts submissions through its RPC. Stopping the engine closes the ABCI server.
 */
export function cometEngineFactory(
  config: ConsensusConfig,
  hooks: CometNodeHooks,
): (app: LedgerApp, logger: Logger) => Promise<TxEngine> {
  return async (app, logger) => {
    let halted = false;
    const abci = new AbciServer({
      handler: ledgerAbciHandler(app, { version: hooks.version }),
      onFatal: (error, request) => {
        if (halted) return;
        halted = true;
        const method = Object.keys(request).find((k) => request[k as keyof typeof request]);
        logger.fatal(
          { err: error, code: (error as { code?: string }).code, abci: method },
          `halting: ABCI ${method} failed; this node cannot follow the chain`,
        );
        hooks.onFatal(error);
      },
      onConnectionError: (e) => logger.debug({ err: e }, "ABCI connection error"),
    });
    try {
      await abci.listen(config.abciHost, config.abciPort);
    } catch (cause) {
      throw makeError(
        "NODE_LISTEN_FAILED",
        `Cannot listen for ABCI on ${config.abciHost}:${config.abciPort}`,
        { cause },
      );
    }
    logger.info(
      { abci: `${config.abciHost}:${config.abciPort}`, rpc: config.rpcUrl },
      "ABCI server listening for CometBFT",
    );
    const engine = new CometEngine(app, { rpcUrl: config.rpcUrl });
    const stop = engine.stop.bind(engine);
    return Object.assign(engine, {
      stop: async () => {
        await stop();
        await abci.close();
      },
    });
  };
}
