import type { Logger } from "pino";
import { startCometEngine } from "../../consensus/consensus-node.js";
import type { Signer } from "../../core/crypto/ed25519.js";
import { headerSigner } from "../../core/proof/header-signature.js";
import type { LedgerApp } from "../../ledger/application.js";
import { EmbeddedEngine } from "../../ledger/engine/embedded-engine.js";
import type { TxEngine } from "../../ledger/engine/tx-engine.js";
import type { ConsensusConfig } from "../data-dir.js";
import type { NodeConfig } from "../node-config.js";
import { NODE_VERSION } from "../version.js";
import type { Service } from "./service.js";

/**
 * The engine behind POST /v1/txs: CometBFT's when the data directory has consensus.json (this
 * node serves ABCI to its own cometbft and broadcasts through it), else the embedded one that
 * cuts blocks itself and signs each block header with the node's key. `onFatal` hears that a
 * consortium node can no longer follow the chain.
 */
export async function startEngine(
  config: NodeConfig,
  consensus: ConsensusConfig | undefined,
  app: LedgerApp,
  nodeKey: Signer,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<Service<TxEngine>> {
  const engine: TxEngine = consensus
    ? await startCometEngine(
        app,
        {
          abciHost: consensus.abciHost,
          abciPort: consensus.abciPort,
          rpcUrl: consensus.rpcUrl,
          version: NODE_VERSION,
          onFatal,
        },
        logger,
      )
    : new EmbeddedEngine(app, {
        maxWaitMs: config.blockMaxWaitMs,
        maxTxsPerBlock: config.maxTxsPerBlock,
        signHeader: headerSigner(nodeKey),
      });
  return { name: `${engine.kind} engine`, value: engine, stop: () => engine.stop() };
}
