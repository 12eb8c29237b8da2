import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { makeError } from "../../core/errors/devicechain-error.js";
import { type Genesis, parseGenesis } from "../../core/machine/genesis.js";
import { readKeyFile } from "../../node/key-file.js";
import { GENESIS_FILE, writeNodeConfig } from "../../node/node-config.js";
import { print } from "./output.js";
import { type GlobalOptions, run } from "./run-action.js";

interface InitOptions extends GlobalOptions {
  readonly data: string;
  readonly chainId: string;
  readonly regulatorKey: string;
  readonly regulatorName: string;
}

/** `init`: genesis.json and config.json for a new chain. */
export function initCommand(program: Command): void {
  program
    .command("init")
    .description("write genesis.json and config.json for a new chain in a data directory")
    .requiredOption("--data <dir>", "the data directory")
    .requiredOption("--chain-id <id>", "the chain id, e.g. devicechain-eu")
    .requiredOption(
      "--regulator-key <file>",
      "the first regulator's key file (its public key goes in genesis)",
    )
    .option("--regulator-name <name>", "the regulator's display name", "Regulator")
    .action(
      run(async (opts: InitOptions) => {
        const file = path.join(opts.data, GENESIS_FILE);
        if (existsSync(file))
          throw makeError("REQUEST_BAD_PARAMS", `${file} exists; refusing to overwrite a chain`);
        const regulator = readKeyFile(opts.regulatorKey);
        const genesis: Genesis = parseGenesis({
          chainId: opts.chainId,
          genesisTime: new Date().toISOString(),
          members: [
            { id: "regulator", role: "regulator", name: opts.regulatorName, key: regulator.keyId },
          ],
          // Random, so that only holders of the genesis file can compute pairing hashes.
          pairingSalt: randomBytes(32).toString("hex"),
        });
        mkdirSync(opts.data, { recursive: true });
        writeFileSync(file, `${JSON.stringify(genesis, null, 2)}\n`);
        writeNodeConfig(opts.data, {});
        print(
          opts.json,
          { dataDir: opts.data, genesis },
          () =>
            `wrote ${file} (chain ${genesis.chainId}, regulator ${regulator.keyId})\nstart it with: devicechain start --data ${opts.data}`,
        );
      }),
    );
}
