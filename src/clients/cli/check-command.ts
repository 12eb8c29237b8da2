import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { CheckReason, CheckReport, CheckVerdict } from "../../core/check/check-report.js";
import { verifyReportProof } from "../../core/check/report-proof.js";
import { verifyCheckReport } from "../../core/check/report-signature.js";
import { isKeyId } from "../../core/crypto/ed25519.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { readKeyFile } from "../../node/key-file.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { run } from "./run-action.js";
import { MAX_TRUST_BYTES, parseDuration, readJson } from "./verify-command.js";

const VERDICT_WORDS: Readonly<Record<CheckVerdict, string>> = {
  passed: "PASSED: nothing on the ledger stands against this device",
  caution: "CAUTION: ask the seller about the reasons below before you buy",
  failed: "FAILED: do not buy this device",
};

const REASON_WORDS: Readonly<Record<CheckReason, string>> = {
  lost: "reported lost",
  stolen: "reported stolen",
  blocked: "blocked by a regulator",
  scrapped: "scrapped",
  owner_locked: "locked by its owner",
  bad_check_digit: "the IMEI's check digit is wrong: mistyped, or altered",
  clone_suspected: "its identity may be cloned (an operator's report)",
  insurance_settled: "an insurer settled a theft claim on it and holds its title",
  unregistered: "not registered: the ledger knows nothing of it",
  tac_unknown: "its model is not in the TAC database: compare it with the phone itself",
};

/** A node key to trust: a key id, or a key file (the node's node.key) whose public key is used. */
function trustedKey(arg: string): string {
  if (isKeyId(arg)) return arg;
  if (existsSync(arg)) return readKeyFile(arg).keyId;
  throw makeError("REQUEST_BAD_PARAMS", "--node-key takes a key id (43 characters) or a key file");
}

/** A report as a buyer reads it: the verdict in words first, then why, then the record. */
export function renderCheckReport(
  r: CheckReport,
  verified: string | undefined,
  proven?: { readonly height: number; readonly trust: string },
): string {
  const lines = [`verdict      ${VERDICT_WORDS[r.verdict]}`];
  for (const reason of r.reasons) lines.push(`  because    ${REASON_WORDS[reason]}`);
  lines.push(
    `model        ${r.model ? `${r.model.brand} ${r.model.model}` : "(not in the TAC database)"}`,
    `identifiers  ${r.identifiers.map((i) => i.display).join(", ")}`,
  );
  if (r.state) lines.push(`state        ${r.state} (${r.equipmentStatus})`);
  lines.push(`owners       ${r.ownershipChanges} change(s) of owner`);
  if (r.history.length > 0) lines.push("history");
  for (const e of r.history) {
    const who = e.organisation ? `${e.actorRole}, ${e.organisation}` : e.actorRole;
    lines.push(`  ${e.date}  ${e.kind.padEnd(18)} by ${who} (height ${e.height})`);
  }
  lines.push(
    `as of        height ${r.height}, ${r.time}`,
    `report       ${r.id}`,
    `signature    ${verified ? `verified: node key ${verified}` : "not verified (give --node-key to verify)"}`,
    `proof        ${proven ? `verified against ${proven.trust}: the ledger's record at height ${proven.height} gives this verdict` : "not verified (give --trust genesis.json|checkpoint.json)"}`,
  );
  if (r.model) lines.push(`source       ${r.model.source}`);
  return lines.join("\n");
}

/** `check ID [--node-key KEY]`: a buyer's check report. */
export function checkCommand(program: Command): void {
  withNodeOption(
    program
      .command("check")
      .description("a buyer's check before buying: verdict, reasons, model and history")
      .argument("<id>", "the identifier: IMEI, IMEISV, PEI, MAC, EUI-64, EID, serial")
      .option("--node-key <keyid|file>", "verify the report's signature under this node key")
      .option(
        "--trust <file>",
        "verify the report's proof bundle against this genesis.json or checkpoint.json (devicechain checkpoint)",
      )
      .option(
        "--trusting-period <duration>",
        "how long a trusted validator set stays trusted",
        "14d",
      ),
  ).action(
    run(
      async (
        opts: NodeOptions & {
          json: boolean;
          nodeKey?: string;
          trust?: string;
          trustingPeriod: string;
        },
        id?: string,
      ) => {
        const trusted = opts.nodeKey === undefined ? undefined : trustedKey(opts.nodeKey);
        const trust =
          opts.trust === undefined
            ? undefined
            : readJson(opts.trust, MAX_TRUST_BYTES, "Trust file");
        const trustingPeriodMs = parseDuration(opts.trustingPeriod);
        const report = await clientFor(opts).check(id ?? "");
        if (trusted !== undefined) verifyCheckReport(report, [trusted]);
        const proven =
          trust === undefined
            ? undefined
            : {
                height: verifyReportProof(report, trust, { now: Date.now(), trustingPeriodMs })
                  .bundle.height,
                trust: opts.trust ?? "",
              };
        print(opts.json, report, () => renderCheckReport(report, trusted, proven));
      },
    ),
  );
}
