import path from "node:path";
import { type Command, Option } from "commander";
import { createLogger } from "../../node/logger.js";
import { loadNodeConfig, type NodeSettings } from "../../node/node-config.js";
import { runNode } from "../../node/run-node.js";
import { prepareDemoDataDir, seedDemo } from "../demo/demo-consortium.js";
import { afterConsensusStart, consensusRunOptions } from "./consensus-start.js";
import { type GlobalOptions, run } from "./run-action.js";

interface StartOptions extends GlobalOptions {
  readonly data: string;
  readonly port?: string;
  readonly s13Port?: string;
  readonly host?: string;
  readonly dev?: boolean;
  readonly logLevel?: NodeSettings["logLevel"];
}

/** `start`: run a node until SIGINT or SIGTERM. */
export function startCommand(program: Command): void {
  program
    .command("start")
    .description("run a node; --dev creates and seeds the demo chain")
    .option("--data <dir>", "the data directory", "./data")
    .option("--port <n>", "API port (default 8080; 0 picks a free one)")
    .option("--host <host>", "API and S13 address (default 127.0.0.1)")
    .option(
      "--s13-port <n>",
      "S13 Diameter EIR port (default 3868; 0 picks a free one; -1 turns it off)",
    )
    .option("--dev", "dev mode: the demo consortium with well-known keys; never for production")
    .addOption(
      new Option("--log-level <level>", "log level").choices([
        "fatal",
        "error",
        "warn",
        "info",
        "debug",
        "trace",
        "silent",
      ]),
    )
    .action(
      run(async (opts: StartOptions) => {
        const dev = opts.dev === true;
        if (dev) prepareDemoDataDir(opts.data);
        const overrides: Partial<NodeSettings> = {
          ...(opts.port === undefined ? {} : { port: Number(opts.port) }),
          ...(opts.s13Port === undefined ? {} : { s13Port: Number(opts.s13Port) }),
          ...(opts.host === undefined ? {} : { host: opts.host }),
          ...(opts.logLevel === undefined ? {} : { logLevel: opts.logLevel }),
          ...(dev ? { dev: true } : {}),
        };
        const config = loadNodeConfig(opts.data, overrides);
        const logger = createLogger(config.logLevel, { json: opts.json });
        if (config.dev) {
          logger.warn(
            { dataDir: config.dataDir, keys: path.join(config.dataDir, "keys") },
            "DEV MODE: demo chain with well-known keys. Anyone can sign as these members. Never use it in production.",
          );
        }
        // With DIR/consensus.json the ledger runs under CometBFT (see `devicechain net`).
        const consensus = consensusRunOptions(opts.data);
        const node = await runNode(config, {
          logger,
          ...(consensus
            ? consensus.options
            : config.dev
              ? { beforeListen: ({ engine }) => seedDemo(engine, logger) }
              : {}),
        });
        if (consensus) afterConsensusStart(node, consensus.config, logger);
        const stop = (signal: string): void => {
          logger.info({ signal }, "stopping");
          void node.close().then(
            () => process.exit(0),
            (e: unknown) => {
              logger.error({ err: e }, "stop failed");
              process.exit(1);
            },
          );
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      }),
    );
}
