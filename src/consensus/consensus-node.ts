import type { Logger } from "pino";
import { makeError } from "../core/errors/devicechain-error.js";
import type { LedgerApp } from "../ledger/application.js";
import type { TxEngine } from "../ledger/engine/tx-engine.js";
import { ledgerAbciHandler } from "./abci-ledger.js";
import { AbciServer } from "./abci-server.js";
import { CometEngine } from "./cometbft-engine.js";

export interface CometNodeOptions {
  /** Where the ABCI server listens for this node's CometBFT (its proxy_app). */
  readonly abciHost: string;
  readonly abciPort: number;
  /** This node's CometBFT RPC, for broadcasting submissions. */
  readonly rpcUrl: string;
  /** The application version ABCI Info reports. */
  readonly version: string;
  /**
   * A block could not be executed or persisted (e.g. LEDGER_CORRUPT): this node can no longer
   * follow the chain. The caller stops the node; CometBFT stops with it.
   */
  readonly onFatal: (error: unknown) => void;
}

/**
 * The engine of a consortium node: serves ABCI for the local CometBFT and broadcasts
 * submissions through its RPC. Stopping the engine closes the ABCI server.
 */
export async function startCometEngine(
  app: LedgerApp,
  opts: CometNodeOptions,
  logger: Logger,
): Promise<TxEngine> {
  let halted = false;
  const abci = new AbciServer({
    handler: ledgerAbciHandler(app, { version: opts.version }),
    onFatal: (error, request) => {
      if (halted) return;
      halted = true;
      const method = Object.keys(request).find((k) => request[k as keyof typeof request]);
      logger.fatal(
        { err: error, code: (error as { code?: string }).code, abci: method },
        `halting: ABCI ${method} failed; this node cannot follow the chain`,
      );
      opts.onFatal(error);
    },
    onConnectionError: (e) => logger.debug({ err: e }, "ABCI connection error"),
  });
  try {
    await abci.listen(opts.abciHost, opts.abciPort);
  } catch (cause) {
    throw makeError(
      "NODE_LISTEN_FAILED",
      `Cannot listen for ABCI on ${opts.abciHost}:${opts.abciPort}`,
      { cause },
    );
  }
  logger.info(
    { abci: `${opts.abciHost}:${opts.abciPort}`, rpc: opts.rpcUrl },
    "ABCI server listening for CometBFT",
  );
  const engine = new CometEngine(app, { rpcUrl: opts.rpcUrl });
  const stop = engine.stop.bind(engine);
  return Object.assign(engine, {
    stop: async () => {
      await stop();
      await abci.close();
    },
  });
}
