import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { isKeyId } from "../../core/crypto/ed25519.js";
import { toBase64Url } from "../../core/encoding/bytes.js";
import { insuranceConsentBytes } from "../../core/machine/actions/insurance.js";
import { readKeyFile } from "../../node/key-file.js";
import { chainAndDevice } from "../sdk/ownership.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { type GlobalOptions, run } from "./run-action.js";

interface InsuranceOptions extends NodeOptions, GlobalOptions {
  readonly device: string;
  readonly insurer: string;
  readonly claim: string;
  readonly key: string;
  readonly chain?: string;
  readonly out?: string;
}

/**
 * `consent insurance`: the owner signs, locally, its consent to one insurer settling one claim on
 * its device; the insurer then sends it in `tx settle-claim --consent`. Nothing is submitted here.
 */
export function consentCommand(program: Command): void {
  const consent = program
    .command("consent")
    .description("sign your consent to another party's transaction about your device");
  withNodeOption(
    consent
      .command("insurance")
      .description("owner: consent to an insurer settling your theft claim and taking the title")
      .requiredOption("--device <id>", "your device, by its primary identifier if offline")
      .requiredOption("--insurer <file|keyid>", "the insurer's key id (or a file of its key)")
      .requiredOption("--claim <ref>", "the insurer's claim reference")
      .requiredOption("--key <file>", "your owner key file: the consent is signed with it")
      .option("--chain <id>", "the chain id: sign offline, without asking --node")
      .option("--out <file>", "also write the consent there, for the insurer"),
  ).action(
    run(async (opts: InsuranceOptions) => {
      const owner = readKeyFile(opts.key);
      const insurer = isKeyId(opts.insurer) ? opts.insurer : readKeyFile(opts.insurer).keyId;
      const { chain, device } = await chainAndDevice(opts.device, {
        chain: opts.chain,
        client: clientFor(opts),
      });
      const fields = { chain, device, insurer, claim: opts.claim, owner: owner.keyId };
      const result = { ...fields, consent: toBase64Url(owner.sign(insuranceConsentBytes(fields))) };
      if (opts.out !== undefined) writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
      print(opts.json, result, () =>
        [
          result.consent,
          `(consent of ${owner.keyId} to ${insurer} settling claim ${opts.claim} on ${device}, chain ${chain})`,
          ...(opts.out === undefined ? [] : [`wrote ${opts.out}`]),
        ].join("\n"),
      );
    }),
  );
}
