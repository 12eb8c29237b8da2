import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { makeError } from "../../core/errors/devicechain-error.js";
import { TX_DEFINITIONS } from "../../core/machine/registry.js";
import type { TxCliIo, TxCliOption, TxCliValues } from "../../core/machine/tx-cli.js";
import { readKeyFile } from "../../node/key-file.js";
import type { NodeClient } from "../sdk/node-client.js";
import { sendTx } from "../sdk/tx-builder.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { run } from "./run-action.js";

/** A definition's flag as a commander option. */
function toOption(o: TxCliOption): Option {
  if (o.kind === "switch") return new Option(`--${o.flag}`, o.description);
  const option = new Option(
    `--${o.flag} <${o.arg}${o.kind === "list" ? "..." : ""}>`,
    o.description,
  );
  if (o.required === true) option.makeOptionMandatory();
  if (o.choices !== undefined) option.choices(o.choices);
  return option;
}

/** The files and node lookups a definition's flags may need, done here for the core. */
function cliIo(client: NodeClient): TxCliIo {
  return {
    readFile: (path) => new Uint8Array(readFileSync(path)),
    readTextFile: (path) => readFileSync(path, "utf8"),
    keyFileId: (path) => readKeyFile(path).keyId,
    chainId: async () => (await client.status()).chainId,
    devicePrimaryKey: async (device) => (await client.device(device)).id,
  };
}

function parseNonce(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw makeError("REQUEST_BAD_PARAMS", "--nonce is a positive integer");
  return n;
}

type Opts = Record<string, string | string[] | boolean | undefined>;

/**
 * `tx <command>` for every transaction type in the registry, its flags taken from the type's
 * definition: signed locally with --key, sent to --node.
 */
export function txCommand(program: Command): void {
  const tx = program.command("tx").description("sign a transaction locally and submit it");
  for (const def of TX_DEFINITIONS) {
    const cmd = tx.command(def.cli.command).description(`${def.cli.summary} (${def.type})`);
    const options = def.cli.options.map((o) => [o, toOption(o)] as const);
    for (const [, option] of options) cmd.addOption(option);
    cmd.requiredOption("--key <file>", "your key file: the transaction is signed with it, locally");
    cmd.option("--nonce <n>", "nonce to use (default: the node's next nonce for your key)");
    withNodeOption(cmd).action(
      run(async (opts: Opts & NodeOptions & { key: string; nonce?: string; json: boolean }) => {
        const signer = readKeyFile(opts.key);
        const values: TxCliValues = Object.fromEntries(
          options.map(([o, option]) => [o.flag, opts[option.attributeName()]]),
        );
        const params = await def.cli.params(values, cliIo(clientFor(opts)));
        const nonce = parseNonce(opts.nonce);
        const r = await sendTx(
          clientFor(opts),
          signer,
          def.type,
          params,
          nonce === undefined ? {} : { nonce },
        );
        print(opts.json, r, () => `committed ${def.type} at height ${r.height}\ntx ${r.hash}`);
      }),
    );
  }
}
