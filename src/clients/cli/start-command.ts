import path from "node:path";
import { type Command, Option } from "commander";
import { createLogger } from "../../node/logger.js";
import { type RunningNode, runNode } from "../../node/node.js";
import { loadNodeConfig, type NodeSettings } from "../../node/node-config.js";
import { prepareDemoDataDir, seedDemo } from "../demo/demo-consortium.js";
import { type GlobalOptions, run } from "./run-action.js";

/** Exit status of a node that halted because it can no longer follow the chain. */
export const EXIT_HALTED = 70;

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
        // Signals are heard from the start: a Ctrl-C while the node starts stops it once it is up.
        let stopping = false;
        let node: RunningNode | undefined;
        const stop = (signal: string): void => {
          logger.info({ signal }, "stopping");
          stopping = true;
          if (node) closeAndExit(node);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        node = await runNode(config, {
          logger,
          seedDemo,
          onHalt: () => {
            // Let the ABCI exception and the log line go out, then stop: CometBFT stops with us.
            setTimeout(() => process.exit(EXIT_HALTED), 200).unref();
          },
        });
        if (stopping) closeAndExit(node);
        else exitWithWatchedProcess(node);
      }),
    );
}

/** Stop the node through its one clean-up path, then exit: 0, or 1 if a part failed to stop. */
function closeAndExit(node: RunningNode): void {
  void node.close().then(
    () => exitWhenDrained(0),
    (e: unknown) => {
      node.logger.error({ err: e }, "stop failed");
      exitWhenDrained(1);
    },
  );
}

/**
 * Exit with `code` once nothing is left to run: the node has closed its sockets and files, and
 * the log has drained (pino writes asynchronously; an immediate process.exit could cut its last
 * lines or let them land out of order). A handle left open cannot hold the exit past a second.
 */
function exitWhenDrained(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

/**
 * When DEVICECHAIN_WATCH_PID names a process (a test harness, via `net start`), stop once it is
 * gone, so that no node outlives the run that started it.
 */
function exitWithWatchedProcess(node: RunningNode): void {
  const watched = Number(process.env.DEVICECHAIN_WATCH_PID);
  if (!Number.isSafeInteger(watched) || watched <= 0) return;
  setInterval(() => {
    try {
      process.kill(watched, 0);
    } catch {
      node.logger.warn({ pid: watched }, "the process that started this node is gone; stopping");
      closeAndExit(node);
    }
  }, 1000).unref();
}
