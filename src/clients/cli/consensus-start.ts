import type { Logger } from "pino";
import {
  type ConsensusConfig,
  cometEngineFactory,
  readConsensusConfig,
} from "../../consensus/consensus-node.js";
import type { RunNodeOptions, RunningNode } from "../../node/run-node.js";
import { NODE_VERSION } from "../../node/version.js";
import { seedDemo } from "../demo/demo-consortium.js";

/** Exit status of a node that halted because it can no longer follow the chain. */
export const EXIT_HALTED = 70;

/** runNode options for a data directory with consensus.json (CometBFT), else undefined. */
export function consensusRunOptions(
  dataDir: string,
): { config: ConsensusConfig; options: Pick<RunNodeOptions, "engine"> } | undefined {
  const config = readConsensusConfig(dataDir);
  if (!config) return undefined;
  return {
    config,
    options: {
      engine: cometEngineFactory(config, {
        version: NODE_VERSION,
        onFatal: () => {
          // Let the ABCI exception and the log line go out, then stop: CometBFT stops with us.
          setTimeout(() => process.exit(EXIT_HALTED), 200).unref();
        },
      }),
    },
  };
}

/**
 * After a consensus node is up: seed the demo (on the one node asked to) once the chain runs,
 * and, when DEVICECHAIN_WATCH_PID names a process (a test harness), exit when it is gone so
 * that no node outlives the run that started it.
 */
export function afterConsensusStart(
  node: RunningNode,
  config: ConsensusConfig,
  logger: Logger,
): void {
  const watched = Number(process.env.DEVICECHAIN_WATCH_PID);
  if (Number.isSafeInteger(watched) && watched > 0) {
    setInterval(() => {
      try {
        process.kill(watched, 0);
      } catch {
        logger.warn({ pid: watched }, "the process that started this node is gone; stopping");
        void node.close().finally(() => process.exit(0));
      }
    }, 1000).unref();
  }
  if (config.seedDemo) {
    whenChainRuns(node)
      .then(() => seedDemo(node.engine, logger))
      .catch((e: unknown) => {
        logger.error({ err: e }, "seeding the demo consortium failed");
      });
  }
}

/** Resolves once consensus has committed a block here: CometBFT is up and has a quorum. */
function whenChainRuns(node: RunningNode): Promise<void> {
  if (node.app.info().lastBlockHeight >= 1) return Promise.resolve();
  return new Promise((resolve) => node.app.once("commit", () => resolve()));
}
