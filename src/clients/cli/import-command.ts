import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { isKeyId } from "../../core/crypto/ed25519.js";
import type { JsonObject } from "../../core/encoding/canonical-json.js";
import { isError, makeError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import { parseSerial } from "../../core/identifiers/serial.js";
import { MAX_BULK_IDENTIFIERS } from "../../core/machine/actions/register.js";
import { MAX_TX_BYTES } from "../../core/tx/transaction.js";
import { readKeyFile } from "../../node/key-file.js";
import { buildTx } from "../sdk/tx-builder.js";
import { parseCsv } from "./csv.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { EXIT_ERROR, print, sentence } from "./output.js";
import { ProgressBar } from "./progress-bar.js";
import { run } from "./run-action.js";

const COLUMNS = ["imei", "imei2", "mac", "serial", "device_key"] as const;
type Column = (typeof COLUMNS)[number];

interface ImportRow {
  /** 1-based line in the file, for the user. */
  readonly line: number;
  readonly device: JsonObject;
  readonly idCount: number;
}

export interface Rejection {
  readonly line: number;
  readonly code: string;
  readonly id?: string;
}

/** Read and check the CSV locally: good rows to send, and bad rows with their codes. */
export function readImportCsv(text: string): { rows: ImportRow[]; rejected: Rejection[] } {
  const table = parseCsv(text);
  const header = (table[0] ?? []).map((h) => h.trim().toLowerCase());
  for (const h of header) {
    if (!(COLUMNS as readonly string[]).includes(h)) {
      throw makeError(
        "REQUEST_BAD_PARAMS",
        `Unknown CSV column "${h}"; columns are ${COLUMNS.join(", ")}`,
      );
    }
  }
  if (!header.some((h) => h === "imei" || h === "mac" || h === "serial")) {
    throw makeError("REQUEST_BAD_PARAMS", "The CSV header needs an imei, mac or serial column");
  }
  const rows: ImportRow[] = [];
  const rejected: Rejection[] = [];
  const seen = new Set<string>();
  table.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.every((c) => c.trim() === "")) return;
    const get = (c: Column): string => (cells[header.indexOf(c)] ?? "").trim();
    const ids: string[] = [];
    const keys: string[] = [];
    for (const c of ["imei", "imei2", "mac"] as const) {
      const v = header.includes(c) ? get(c) : "";
      if (v === "") continue;
      try {
        keys.push(parseIdentifier(v, "person").key);
        ids.push(v);
      } catch (e) {
        if (!isError(e)) throw e;
        rejected.push({ line, code: e.code, id: v });
        return;
      }
    }
    const serial = header.includes("serial") ? get("serial") : "";
    if (serial !== "") {
      try {
        // The manufacturer part is the signer's member id; only the serial's own format is checked here.
        parseSerial("m0", serial);
      } catch (e) {
        if (!isError(e)) throw e;
        rejected.push({ line, code: e.code, id: serial });
        return;
      }
    }
    const key = header.includes("device_key") ? get("device_key") : "";
    if (key !== "" && !isKeyId(key)) {
      rejected.push({ line, code: "TX_BAD_PARAMS", id: key });
      return;
    }
    if (ids.length === 0 && serial === "") {
      rejected.push({ line, code: "TX_BAD_PARAMS" });
      return;
    }
    const duplicate = keys.find((k) => seen.has(k));
    if (duplicate !== undefined) {
      rejected.push({ line, code: "DEVICE_EXISTS", id: duplicate });
      return;
    }
    for (const k of keys) seen.add(k);
    rows.push({
      line,
      device: { ids, ...(serial === "" ? {} : { serial }), ...(key === "" ? {} : { key }) },
      idCount: ids.length + (serial === "" ? 0 : 1),
    });
  });
  return { rows, rejected };
}

/** Room left in a transaction for its envelope: chain, signer, nonce, type and signature. */
const ENVELOPE_BYTES = 4_096;

/**
 * Cut rows into batches of at most MAX_BULK_IDENTIFIERS identifiers that also fit in one
 * transaction: rows with long serials and device keys hit MAX_TX_BYTES before the id limit.
 */
export function batches(rows: readonly ImportRow[]): ImportRow[][] {
  const out: ImportRow[][] = [];
  let current: ImportRow[] = [];
  let count = 0;
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(JSON.stringify(row.device)) + 1;
    const full =
      count + row.idCount > MAX_BULK_IDENTIFIERS || bytes + size > MAX_TX_BYTES - ENVELOPE_BYTES;
    if (full && current.length > 0) {
      out.push(current);
      current = [];
      count = 0;
      bytes = 0;
    }
    current.push(row);
    count += row.idCount;
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

interface RowProblem {
  readonly index: number;
  readonly code: string;
  readonly id?: string;
}

/** `import FILE.csv`: bulk registration with progress, then accepted and rejected rows. */
export function importCommand(program: Command): void {
  withNodeOption(
    program
      .command("import")
      .description("bulk-register devices from CSV (columns: imei, imei2, mac, serial, device_key)")
      .argument("<file>", "the CSV file, with a header line")
      .requiredOption("--key <file>", "the manufacturer's key file"),
  ).action(
    run(async (opts: NodeOptions & { key: string; json: boolean }, file?: string) => {
      const signer = readKeyFile(opts.key);
      let text: string;
      try {
        text = readFileSync(file ?? "", "utf8");
      } catch (cause) {
        throw makeError("REQUEST_BAD_PARAMS", `Cannot read ${file}`, { cause });
      }
      const { rows, rejected } = readImportCsv(text);
      const client = clientFor(opts);
      const chain = (await client.status()).chainId;
      let nonce = (await client.account(signer.keyId)).nextNonce;
      const bar = new ProgressBar("importing", rows.length + rejected.length);
      let accepted = 0;
      const txs: string[] = [];
      for (const batch of batches(rows)) {
        let pending = batch;
        // Each refusal names the rows it refused; drop them and resend the rest.
        for (let attempt = 0; pending.length > 0 && attempt <= batch.length; attempt++) {
          try {
            const tx = buildTx(signer, chain, nonce, "device.register", {
              devices: pending.map((r) => r.device),
            });
            const r = await client.submit(tx);
            nonce++;
            accepted += pending.length;
            txs.push(r.hash);
            pending = [];
          } catch (e) {
            const problems = isError(e) ? (e.data?.rows as RowProblem[] | undefined) : undefined;
            if (!problems || problems.length === 0) throw e;
            const bad = new Set(problems.map((p) => p.index));
            for (const p of problems) {
              const row = pending[p.index];
              if (row)
                rejected.push({ line: row.line, code: p.code, ...(p.id ? { id: p.id } : {}) });
            }
            pending = pending.filter((_, i) => !bad.has(i));
          }
        }
        bar.update(accepted + rejected.length, `accepted ${accepted}, rejected ${rejected.length}`);
      }
      bar.finish();
      rejected.sort((a, b) => a.line - b.line);
      const summary = {
        accepted,
        rejected: rejected.length,
        transactions: txs,
        rejections: rejected,
      };
      print(opts.json, summary, () =>
        [
          `accepted ${accepted} row(s) in ${txs.length} transaction(s); rejected ${rejected.length}`,
          ...rejected.map(
            (r) => `  line ${r.line}: ${r.code}${r.id ? ` ${r.id}` : ""}: ${sentence(r.code)}`,
          ),
        ].join("\n"),
      );
      if (rejected.length > 0) process.exitCode = EXIT_ERROR;
    }),
  );
}
