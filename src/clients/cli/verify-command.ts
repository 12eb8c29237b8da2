import { readFileSync, statSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { isError, makeError } from "../../core/errors/devicechain-error.js";
import type { VerifiedBundle } from "../../core/proof/verify-bundle.js";
import { verifyBundle } from "../sdk/verify-proof.js";
import { print } from "./output.js";
import { run } from "./run-action.js";

/** A bundle is a few KiB; a trust file lists at most 10,000 validators. */
const MAX_BUNDLE_BYTES = 1 << 20;
export const MAX_TRUST_BYTES = 4 << 20;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `14d`, `36h`, `90m`, `30s` or `500ms` in milliseconds; REQUEST_BAD_PARAMS otherwise. */
export function parseDuration(text: string): number {
  const m = /^([1-9][0-9]{0,9})(ms|s|m|h|d)$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      `--trusting-period ${text}: give a duration like 14d or 36h`,
    );
  }
  return ms;
}

/** Parsed JSON from a file no larger than `max`; REQUEST_BAD_PARAMS if unreadable or not JSON. */
export function readJson(file: string, max: number, what: string): unknown {
  let text: string;
  try {
    if (statSync(file).size > max) {
      throw makeError("REQUEST_TOO_LARGE", `${what} ${file} is larger than ${max} bytes`);
    }
    text = readFileSync(file, "utf8");
  } catch (cause) {
    if (isError(cause)) throw cause;
    throw makeError("REQUEST_BAD_PARAMS", `${what} ${file} cannot be read`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw makeError("REQUEST_MALFORMED_JSON", `${what} ${file} is not JSON`, { cause });
  }
}

/** A value in one line: short enough for a terminal, whole under --json. */
function summary(value: unknown): string {
  if (value === null) return "absent";
  const text = JSON.stringify(value);
  return text.length <= 120 ? text : `${text.slice(0, 117)}...`;
}

function human(file: string, r: VerifiedBundle, checkpointOut: string | undefined): string {
  return [
    `verified ${file}: ${r.chainId} at height ${r.height} (${r.engine}), app hash ${r.appHash}`,
    ...r.entries.map((e) => `  ${e.key} = ${summary(e.value)}`),
    ...(checkpointOut && r.checkpoint
      ? [`checkpoint at height ${r.checkpoint.height} written to ${checkpointOut}`]
      : []),
  ].join("\n");
}

/**
 * `verify BUNDLE --trust FILE`: check a proof bundle offline, trusting only the genesis or
 * checkpoint given; exit 0 with what it proves, or 1 with the refusal's code.
 */
export function verifyCommand(program: Command): void {
  program
    .command("verify")
    .description(
      "verify a proof bundle offline against a genesis or checkpoint, trusting nothing else",
    )
    .argument("<bundle>", "the bundle's JSON file (GET /v1/devices/{id}/proof)")
    .requiredOption(
      "--trust <file>",
      "genesis.json, or a checkpoint.json saved by --checkpoint-out",
    )
    .option("--trusting-period <duration>", "how long a trusted validator set stays trusted", "14d")
    .option("--checkpoint-out <file>", "save the verified header's validator set as a checkpoint")
    .action(
      run(
        async (
          opts: { trust: string; trustingPeriod: string; checkpointOut?: string; json: boolean },
          file: string,
        ) => {
          const trustingPeriodMs = parseDuration(opts.trustingPeriod);
          const bundle = readJson(file, MAX_BUNDLE_BYTES, "The bundle");
          const trust = readJson(opts.trust, MAX_TRUST_BYTES, "The trust file");
          const result = verifyBundle(bundle, trust, { trustingPeriodMs });
          if (opts.checkpointOut && result.checkpoint) {
            writeFileSync(opts.checkpointOut, `${JSON.stringify(result.checkpoint, null, 2)}\n`);
          }
          print(opts.json, result, () => human(file, result, opts.checkpointOut));
        },
      ),
    );
}
