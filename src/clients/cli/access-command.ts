import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { csvField } from "../../core/encoding/csv.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { isApiKeyId } from "../../core/usage/api-key.js";
import { revenueShare } from "../../core/usage/revenue-split.js";
import { MONTH } from "../../core/usage/usage-month.js";
import {
  buildStatement,
  type SignedStatement,
  signStatement,
  statementDigest,
  verifyStatement,
} from "../../core/usage/usage-statement.js";
import { AccessStore } from "../../node/access-store/access-store.js";
import { NODE_KEY_FILE } from "../../node/data-dir.js";
import { readKeyFile } from "../../node/key-file.js";
import { loadNodeConfig } from "../../node/node-config.js";
import { print } from "./output.js";
import { type GlobalOptions, run } from "./run-action.js";

/** A scope, as the store takes it (clients do not import servers/, where the type is defined). */
type AccessScope = Parameters<AccessStore["createKey"]>[0]["scopes"][number];

interface DataOption {
  readonly data: string;
}

/** An organisation's name, as keys and statements carry it: short and printable. */
const ORG = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;

/** Open the data directory's access store for one command, and close it after. */
async function withStore<T>(data: string, f: (store: AccessStore) => T | Promise<T>): Promise<T> {
  const store = AccessStore.open(data);
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

function checkMonth(month: string): string {
  if (!MONTH.test(month)) throw makeError("REQUEST_BAD_PARAMS", "--month is YYYY-MM, e.g. 2026-12");
  return month;
}

/** The statement's lines as CSV: day, scope, currency, calls, amount; then one total per currency. */
function statementCsv(s: SignedStatement): string {
  const { statement } = s;
  const rows = [["day", "scope", "currency", "calls", "amount_minor"]];
  for (const l of statement.lines) {
    rows.push([l.day, l.scope, l.currency, String(l.calls), String(l.amount)]);
  }
  for (const d of statement.due) rows.push(["total", "", d.currency, "", String(d.amount)]);
  return `${rows.map((r) => r.map(csvField).join(",")).join("\n")}\n`;
}

/**
 * `access key create|list|revoke`, `access statement`, `access verify-statement` and `access
 * revenue`: against the data directory's access store, working while the node runs.
 */
export function accessCommand(program: Command): void {
  const access = program
    .command("access")
    .description("paid access: API keys, usage statements and the revenue share");
  const key = access.command("key").description("API keys for third parties");
  key
    .command("create")
    .description("create an API key; its secret is printed once and never stored")
    .requiredOption("--org <name>", "the organisation the key bills to")
    .requiredOption("--plan <plan>", "a plan from config.json's access.plans")
    .option("--scopes <list>", "comma-separated scopes (default: every scope of the plan)")
    .option("--data <dir>", "the data directory", "./data")
    .action(
      run(
        async (
          opts: DataOption & GlobalOptions & { org: string; plan: string; scopes?: string },
        ) => {
          if (!ORG.test(opts.org)) {
            throw makeError("REQUEST_BAD_PARAMS", "--org is 1-64 printable characters");
          }
          const config = loadNodeConfig(opts.data);
          const plan = config.access.plans[opts.plan];
          if (plan === undefined) {
            throw makeError(
              "ACCESS_PLAN_UNKNOWN",
              `No plan ${opts.plan} in ${opts.data}/config.json`,
            );
          }
          const offered = Object.keys(plan.scopes) as AccessScope[];
          const scopes =
            opts.scopes === undefined
              ? offered
              : (opts.scopes.split(",").map((s) => s.trim()) as AccessScope[]);
          for (const s of scopes) {
            if (!offered.includes(s)) {
              throw makeError(
                "REQUEST_BAD_PARAMS",
                `Scope ${s} is not in plan ${opts.plan} (${offered.join(", ")})`,
              );
            }
          }
          const created = await withStore(opts.data, (store) =>
            store.createKey({ org: opts.org, plan: opts.plan, scopes, now: Date.now() }),
          );
          const { record } = created;
          print(
            opts.json,
            { key: created.key, keyId: record.keyId, org: record.org, plan: record.plan, scopes },
            () =>
              `created ${record.keyId} for ${record.org} on plan ${record.plan} (${scopes.join(",")})\n` +
              `key ${created.key}\n(shown once: the node keeps only its hash)`,
          );
        },
      ),
    );
  key
    .command("list")
    .description("every API key: id, organisation, plan, scopes, created, revoked")
    .option("--data <dir>", "the data directory", "./data")
    .action(
      run(async (opts: DataOption & GlobalOptions) => {
        const keys = await withStore(opts.data, (store) =>
          store.listKeys().map(({ hash: _hash, ...k }) => k),
        );
        print(
          opts.json,
          keys,
          () =>
            keys
              .map(
                (k) =>
                  `${k.keyId}  ${k.org}  ${k.plan}  ${k.scopes.join(",")}  created ${new Date(k.created).toISOString()}` +
                  (k.revoked === undefined ? "" : `  revoked ${new Date(k.revoked).toISOString()}`),
              )
              .join("\n") || "no keys",
        );
      }),
    );
  key
    .command("revoke <keyid>")
    .description("revoke an API key: the node refuses it from its next request")
    .option("--data <dir>", "the data directory", "./data")
    .action(
      run(async (opts: DataOption & GlobalOptions, keyId: string) => {
        if (!isApiKeyId(keyId))
          throw makeError("REQUEST_BAD_PARAMS", "A key id is dck_ and 16 hex");
        const { hash: _hash, ...k } = await withStore(opts.data, (store) =>
          store.revokeKey(keyId, Date.now()),
        );
        print(opts.json, k, () => `revoked ${k.keyId} (${k.org})`);
      }),
    );

  access
    .command("statement")
    .description("an organisation's usage for a month, per scope and day, signed by the node key")
    .requiredOption("--org <name>", "the organisation")
    .requiredOption("--month <YYYY-MM>", "the month (UTC)")
    .option("--out <file>", "write there instead of printing (CSV also writes FILE.signed.json)")
    .option("--data <dir>", "the data directory", "./data")
    .action(
      run(
        async (opts: DataOption & GlobalOptions & { org: string; month: string; out?: string }) => {
          const month = checkMonth(opts.month);
          const signer = readKeyFile(path.join(opts.data, NODE_KEY_FILE));
          const statement = await withStore(opts.data, (store) =>
            buildStatement(
              signer.keyId,
              opts.org,
              month,
              [...store.records(month)].filter((r) => r.org === opts.org),
            ),
          );
          const signed = signStatement(signer, statement);
          const json = `${JSON.stringify(signed, null, 2)}\n`;
          const text = opts.json ? json : statementCsv(signed);
          if (opts.out === undefined) {
            process.stdout.write(text);
            return;
          }
          writeFileSync(opts.out, text);
          if (!opts.json) writeFileSync(`${opts.out}.signed.json`, json);
          process.stderr.write(
            `wrote ${opts.out}${opts.json ? "" : ` and ${opts.out}.signed.json`}; sha256 ${statementDigest(statement)}\n`,
          );
        },
      ),
    );

  access
    .command("verify-statement <file>")
    .description("check a signed usage statement (JSON); --node-key pins the node that signed it")
    .option("--node-key <keyid>", "the node key it must be signed by")
    .action(
      run(async (opts: GlobalOptions & { nodeKey?: string }, file: string) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(file, "utf8"));
        } catch (cause) {
          throw makeError("STATEMENT_MALFORMED", `${file} is not readable JSON`, { cause });
        }
        const { statement } = verifyStatement(parsed, opts.nodeKey);
        const result = {
          valid: true,
          id: statement.id,
          org: statement.org,
          month: statement.month,
          nodeKey: statement.nodeKey,
          sha256: statementDigest(statement),
          due: statement.due,
        };
        print(
          opts.json,
          result,
          () =>
            `valid statement ${result.id} for ${result.org}, ${result.month}, signed by ${result.nodeKey}\nsha256 ${result.sha256}`,
        );
      }),
    );

  access
    .command("revenue")
    .description("what each member's records earned on this node in a month (the revenue share)")
    .requiredOption("--month <YYYY-MM>", "the month (UTC)")
    .option("--data <dir>", "the data directory", "./data")
    .action(
      run(async (opts: DataOption & GlobalOptions & { month: string }) => {
        const month = checkMonth(opts.month);
        const { members, billed } = await withStore(opts.data, (store) => {
          const records = [...store.records(month)];
          const totals = new Map<string, { calls: number; amount: number }>();
          for (const r of records) {
            const t = totals.get(r.currency) ?? { calls: 0, amount: 0 };
            totals.set(r.currency, { calls: t.calls + 1, amount: t.amount + r.price });
          }
          return {
            members: revenueShare(records),
            billed: [...totals].map(([currency, t]) => ({ currency, ...t })),
          };
        });
        print(opts.json, { month, members, billed }, () =>
          [
            `revenue share for ${month} (minor units)`,
            ...members.map((m) => `${m.member}  ${m.currency} ${m.amount}  (${m.calls} calls)`),
            ...billed.map((b) => `billed  ${b.currency} ${b.amount}  (${b.calls} calls)`),
          ].join("\n"),
        );
      }),
    );
}
