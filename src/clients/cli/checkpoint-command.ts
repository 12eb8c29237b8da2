import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { TrustJson } from "../../core/proof/proof-bundle.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { run } from "./run-action.js";

/**
 * `checkpoint --node HOST:PORT [--out FILE]`: the trust file for a node on the embedded engine,
 * `{chainId, nodeKeys: [its node key]}`, for `verify --trust` and `check --trust`. It trusts what
 * that node says its key is (trust on first use): a consortium publishes the file, and a buyer
 * takes it from there. A CometBFT chain's trust comes from its validators instead: verify one
 * bundle from the genesis with `verify --checkpoint-out`, which writes the validator set without
 * the genesis's pairing salt.
 */
export function checkpointCommand(program: Command): void {
  withNodeOption(
    program
      .command("checkpoint")
      .description("write the trust file (checkpoint.json) for an embedded-engine node's proofs")
      .option("--out <file>", "write it to this file (default: print it)"),
  ).action(
    run(async (opts: NodeOptions & { json: boolean; out?: string }) => {
      const client = clientFor(opts);
      const status = await client.status();
      if (status.engine !== "embedded") {
        throw makeError(
          "REQUEST_BAD_PARAMS",
          "This node runs CometBFT: trust its validators, not its key. Verify a bundle from the genesis with `devicechain verify BUNDLE --trust genesis.json --checkpoint-out checkpoint.json`",
        );
      }
      const { keyId } = await client.signingKey();
      const trust: TrustJson = { chainId: status.chainId, nodeKeys: [keyId] };
      const text = `${JSON.stringify(trust, null, 2)}\n`;
      if (opts.out !== undefined) writeFileSync(opts.out, text);
      print(opts.json, trust, () =>
        opts.out === undefined
          ? text.trimEnd()
          : `trust for ${status.chainId} (node key ${keyId}) written to ${opts.out}`,
      );
    }),
  );
}
