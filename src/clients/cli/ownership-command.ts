import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { makeError } from "../../core/errors/devicechain-error.js";
import { keyFingerprint } from "../../core/state/fingerprint.js";
import { readKeyFile } from "../../node/key-file.js";
import { newChallenge, proveDeviceOwnership, verifyDeviceOwnership } from "../sdk/ownership.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { type GlobalOptions, run } from "./run-action.js";

/** `ownership verify`'s exit code when the key is validly signed but is not the owner's. */
export const EXIT_NOT_OWNER = 3;

interface ProveOptions extends NodeOptions, GlobalOptions {
  readonly device: string;
  readonly challenge: string;
  readonly key: string;
  readonly chain?: string;
  readonly out?: string;
}

interface VerifyOptions extends NodeOptions, GlobalOptions {
  readonly device: string;
  readonly challenge: string;
  readonly proof: string;
}

/** The proof file a seller hands over: {device, challenge, key, signature}, all strings. */
function readProof(file: string): { challenge: string; key: string; signature: string } {
  let p: Record<string, unknown> | null;
  try {
    p = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
  } catch (cause) {
    throw makeError("REQUEST_BAD_PARAMS", `${file} is not an ownership proof (JSON)`, { cause });
  }
  const { challenge, key, signature } = p ?? {};
  if (typeof challenge !== "string" || typeof key !== "string" || typeof signature !== "string") {
    throw makeError("REQUEST_BAD_PARAMS", `${file} lacks the proof's challenge, key or signature`);
  }
  return { challenge, key, signature };
}

/**
 * `ownership challenge | prove | verify`: the ownership check without identity, both sides. The
 * buyer makes a challenge, the seller proves with the owner key (offline with --chain), the buyer
 * asks a node, which says whether that key owns the device now without showing the owner's key.
 */
export function ownershipCommand(program: Command): void {
  const ownership = program
    .command("ownership")
    .description("prove you own a device, or check a seller's proof, without showing who you are");

  ownership
    .command("challenge")
    .description("buyer: a fresh random challenge for the seller to sign (new for every check)")
    .action(
      run(async (opts: GlobalOptions) => {
        const challenge = newChallenge();
        print(opts.json, { challenge }, () => challenge);
      }),
    );

  withNodeOption(
    ownership
      .command("prove")
      .description("seller: sign the buyer's challenge with the device's owner key")
      .requiredOption("--device <id>", "the device, by its primary identifier if offline")
      .requiredOption("--challenge <c>", "the buyer's challenge")
      .requiredOption("--key <file>", "the owner's key file")
      .option("--chain <id>", "the chain id: sign offline, without asking --node")
      .option("--out <file>", "write the proof there instead of printing it"),
  ).action(
    run(async (opts: ProveOptions) => {
      const signer = readKeyFile(opts.key);
      const proof = await proveDeviceOwnership(signer, opts.device, opts.challenge, {
        chain: opts.chain,
        client: clientFor(opts),
      });
      const text = `${JSON.stringify(proof, null, 2)}\n`;
      if (opts.out === undefined) {
        process.stdout.write(opts.json ? `${JSON.stringify(proof)}\n` : text);
        return;
      }
      writeFileSync(opts.out, text);
      print(opts.json, { file: opts.out, ...proof }, () => `wrote ${opts.out}`);
    }),
  );

  withNodeOption(
    ownership
      .command("verify")
      .description("buyer: ask the node whether the seller's proof comes from the current owner")
      .requiredOption("--device <id>", "the device, by any identifier")
      .requiredOption("--challenge <c>", "the challenge you gave the seller")
      .requiredOption("--proof <file>", "the seller's proof file"),
  ).action(
    run(async (opts: VerifyOptions) => {
      const proof = readProof(opts.proof);
      if (proof.challenge !== opts.challenge) {
        throw makeError(
          "OWNERSHIP_PROOF_INVALID",
          "The proof answers another challenge than yours: it may be replayed",
        );
      }
      const answer = await verifyDeviceOwnership(
        clientFor(opts),
        opts.device,
        opts.challenge,
        proof,
      );
      const who = `${keyFingerprint(proof.key)} (${proof.key})`;
      print(opts.json, { ...answer, key: proof.key }, () =>
        answer.owner
          ? `${who} is the current owner of ${answer.device} (height ${answer.height})`
          : `${who} is not the owner of ${answer.device} (height ${answer.height})`,
      );
      if (!answer.owner) process.exitCode = EXIT_NOT_OWNER;
    }),
  );
}
