import type { Command } from "commander";
import { keyFingerprint } from "../../core/state/fingerprint.js";
import { generateSeed, readKeyFile, writeKeyFile } from "../../node/key-file.js";
import { print } from "./output.js";
import { type GlobalOptions, run } from "./run-action.js";

/** `keys generate` and `keys show`. */
export function keysCommand(program: Command): void {
  const keys = program.command("keys").description("Ed25519 key files");
  keys
    .command("generate")
    .description("write a new Ed25519 key file (mode 0600)")
    .requiredOption("--out <file>", "where to write the key file")
    .action(
      run(async (opts: { out: string } & GlobalOptions) => {
        const signer = writeKeyFile(opts.out, generateSeed());
        const result = {
          file: opts.out,
          keyId: signer.keyId,
          fingerprint: keyFingerprint(signer.keyId),
        };
        print(
          opts.json,
          result,
          () => `wrote ${opts.out}\nkey id      ${signer.keyId}\nfingerprint ${result.fingerprint}`,
        );
      }),
    );
  keys
    .command("show")
    .description("the key id (public key) and fingerprint of a key file")
    .requiredOption("--key <file>", "the key file")
    .action(
      run(async (opts: { key: string } & GlobalOptions) => {
        const signer = readKeyFile(opts.key);
        const result = { keyId: signer.keyId, fingerprint: keyFingerprint(signer.keyId) };
        print(
          opts.json,
          result,
          () => `key id      ${result.keyId}\nfingerprint ${result.fingerprint}`,
        );
      }),
    );
}
