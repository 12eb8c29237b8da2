import type { Command } from "commander";
import { makeError } from "../../core/errors/devicechain-error.js";
import { initNet } from "../net/net-init.js";
import { readNetLayout } from "../net/net-layout.js";
import { netStatus, startNet, stopNet } from "../net/net-processes.js";
import { print } from "./output.js";
import { type GlobalOptions, run } from "./run-action.js";

interface NetOptions extends GlobalOptions {
  readonly dir: string;
}

interface NetInitCliOptions extends NetOptions {
  readonly validators: string;
  readonly fullNodes: string;
  readonly demo?: boolean;
  readonly chainId?: string;
  readonly basePort: string;
}

const int = (s: string, name: string): number => {
  if (!/^[0-9]{1,6}$/.test(s)) throw makeError("REQUEST_BAD_PARAMS", `${name} must be a number`);
  return Number(s);
};

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `net init|start|stop|status`: a local consortium under CometBFT, on loopback. */
export function netCommand(program: Command): void {
  const net = program
    .command("net")
    .description("a local multi-member network under CometBFT (one folder per member)");

  net
    .command("init")
    .description("write genesis, keys and node configs for a local network")
    .requiredOption("--dir <dir>", "the network folder")
    .option("--validators <n>", "validator nodes", "4")
    .option("--full-nodes <n>", "non-validating nodes", "0")
    .option("--demo", "the demo consortium of `npm start`, seeded through consensus")
    .option("--chain-id <id>", "chain id (default devicechain-local; devicechain-dev with --demo)")
    .option("--base-port <n>", "first loopback port; node i uses base+10i to base+10i+4", "26600")
    .action(
      run(async (opts: NetInitCliOptions) => {
        const layout = initNet({
          dir: opts.dir,
          validators: int(opts.validators, "--validators"),
          fullNodes: int(opts.fullNodes, "--full-nodes"),
          demo: opts.demo === true,
          ...(opts.chainId === undefined ? {} : { chainId: opts.chainId }),
          basePort: int(opts.basePort, "--base-port"),
          log: progress,
        });
        print(opts.json, layout, () =>
          [
            `chain ${layout.chainId}: ${layout.nodes.length} nodes in ${opts.dir}`,
            ...layout.nodes.map(
              (n) =>
                `  ${n.name.padEnd(12)} ${n.validator ? "validator" : "full node"}  REST http://127.0.0.1:${n.ports.rest}  RPC ${n.ports.rpc}  P2P ${n.ports.p2p}`,
            ),
            `start it with: devicechain net start --dir ${opts.dir}`,
          ].join("\n"),
        );
      }),
    );

  net
    .command("start")
    .description("start every node (a devicechain and a cometbft process each) in the background")
    .requiredOption("--dir <dir>", "the network folder")
    .action(
      run(async (opts: NetOptions) => {
        await startNet(opts.dir, { log: progress });
        const status = await netStatus(opts.dir);
        print(opts.json, status, () => renderStatus(status));
      }),
    );

  net
    .command("stop")
    .description("stop every node of the network")
    .requiredOption("--dir <dir>", "the network folder")
    .action(
      run(async (opts: NetOptions) => {
        readNetLayout(opts.dir);
        await stopNet(opts.dir);
        print(opts.json, { stopped: true }, () => "stopped");
      }),
    );

  net
    .command("status")
    .description("each node's process ids, REST URL, height and app hash")
    .requiredOption("--dir <dir>", "the network folder")
    .action(
      run(async (opts: NetOptions) => {
        const status = await netStatus(opts.dir);
        print(opts.json, status, () => renderStatus(status));
      }),
    );
}

function renderStatus(status: Awaited<ReturnType<typeof netStatus>>): string {
  return status
    .map(
      (s) =>
        `${s.name.padEnd(12)} ${s.validator ? "validator" : "full     "} cometbft ${String(s.cometbftPid ?? "-").padEnd(7)} app ${String(s.appPid ?? "-").padEnd(7)} ${s.rest}  height ${s.height ?? "-"}  ${s.appHash ?? ""}`,
    )
    .join("\n");
}
