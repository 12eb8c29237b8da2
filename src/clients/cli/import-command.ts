import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parseDeviceKey } from "../../core/crypto/device-key.js";
import type { JsonObject } from "../../core/encoding/canonical-json.js";
import { parseCsvRows } from "../../core/encoding/csv.js";
import { isError, makeError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import { parseSerial } from "../../core/identifiers/serial.js";
import { MAX_BULK_IDENTIFIERS } from "../../core/machine/actions/register.js";
import { MAX_TX_BYTES } from "../../core/tx/transaction.js";
import { readKeyFile } from "../../node/key-file.js";
import { buildTx } from "../sdk/tx-builder.js";
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
  /** Each identifier's registry key, mapped to the form the user wrote it in. */
  readonly written: ReadonlyMap<string, string>;
}

/** A row that was not registered: its line, why (a code), and what the user wrote that caused it. */
export interface Rejection {
  readonly line: number;
  readonly code: string;
  /** The value refused, as written in the file (the first, when there are several). */
  readonly id?: string;
  /** Every value refused, when there are several (a dual-IMEI row already registered). */
  readonly ids?: readonly string[];
  /** The earlier line of the same file that holds the same identifier. */
  readonly duplicateOf?: number;
}

/** Read and check the CSV locally: good rows to send, and bad rows with their codes. */
export function readImportCsv(text: string): { rows: ImportRow[]; rejected: Rejection[] } {
  const [head, ...body] = parseCsvRows(text);
  const header = (head?.cells ?? []).map((h) => h.trim().toLowerCase());
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
  /** Registry key → the line that first holds it. */
  const seen = new Map<string, number>();
  for (const { line, cells } of body) {
    if (cells.every((c) => c.trim() === "")) continue;
    const get = (c: Column): string =>
      (header.includes(c) ? (cells[header.indexOf(c)] ?? "") : "").trim();
    const row = readRow(line, get);
    if ("code" in row) {
      rejected.push(row);
      continue;
    }
    const again = [...row.written.keys()].find((k) => seen.has(k));
    if (again !== undefined) {
      const id = row.written.get(again)!;
      rejected.push({ line, code: "DEVICE_EXISTS", id, duplicateOf: seen.get(again)! });
      continue;
    }
    for (const k of row.written.keys()) seen.set(k, line);
    rows.push(row);
  }
  return { rows, rejected };
}

/** One row checked on its own: the device to send, or why it cannot be. */
function readRow(line: number, get: (c: Column) => string): ImportRow | Rejection {
  const ids: string[] = [];
  const written = new Map<string, string>();
  for (const c of ["imei", "imei2", "mac"] as const) {
    const v = get(c);
    if (v === "") continue;
    try {
      written.set(parseIdentifier(v, "person").key, v);
      ids.push(v);
    } catch (e) {
      if (!isError(e)) throw e;
      return { line, code: e.code, id: v };
    }
  }
  const serial = get("serial");
  if (serial !== "") {
    try {
      // The manufacturer part is the signer's member id, which the node adds; here it only has
      // to be the same for every row, to find a serial written twice.
      written.set(parseSerial(SIGNER, serial).key, serial);
    } catch (e) {
      if (!isError(e)) throw e;
      return { line, code: e.code, id: serial };
    }
  }
  const key = get("device_key");
  if (key !== "") {
    try {
      parseDeviceKey(key);
    } catch (e) {
      if (!isError(e)) throw e;
      return { line, code: e.code, id: key };
    }
  }
  if (written.size === 0) return { line, code: "TX_BAD_PARAMS" };
  return {
    line,
    device: { ids, ...(serial === "" ? {} : { serial }), ...(key === "" ? {} : { key }) },
    idCount: ids.length + (serial === "" ? 0 : 1),
    written,
  };
}

/** A row the node refused, by its index in the transaction (register.ts). */
interface RowProblem {
  readonly index: number;
  readonly code: string;
  readonly id?: string;
}

/** Stands for the signer's member id in serial keys built locally (see readImportCsv). */
const SIGNER = "m0";

/**
 * The node's refusal of a batch, one rejection per row: the node names every identifier it
 * refused, so a row with two IMEIs, a MAC and a serial already registered comes back four times.
 */
export function rowRejections(
  batch: readonly ImportRow[],
  problems: readonly RowProblem[],
): Rejection[] {
  const byRow = new Map<number, RowProblem[]>();
  for (const p of problems) {
    if (batch[p.index] === undefined) continue;
    byRow.set(p.index, [...(byRow.get(p.index) ?? []), p]);
  }
  return [...byRow].map(([index, ps]) => {
    const row = batch[index]!;
    const shown = ps
      .map((p) => (p.id === undefined ? undefined : writtenForm(row, p.id)))
      .filter((v): v is string => v !== undefined);
    const ids = [...new Set(shown)];
    return {
      line: row.line,
      code: ps[0]!.code,
      ...(ids[0] === undefined ? {} : { id: ids[0] }),
      ...(ids.length > 1 ? { ids } : {}),
    };
  });
}

/** What the user wrote for an identifier the node names by its key (a serial's key names the signer). */
function writtenForm(row: ImportRow, key: string): string {
  const direct = row.written.get(key);
  if (direct !== undefined) return direct;
  const serial = /^serial:[^:]+:(.*)$/.exec(key)?.[1];
  if (serial !== undefined) {
    const local = row.written.get(`serial:${SIGNER}:${serial}`);
    if (local !== undefined) return local;
  }
  return key;
}

/** Room left in a transaction for its envelope: chain, signer, nonce, type and signature. */
const ENVELOPE_BYTES = 4_096;

/**
 * Cut rows into batches of at most MAX_BULK_IDENTIFIERS identifiers that also fit in one
 * transaction: rows with long serials and device keys hit MAX_TX_BYTES before the id limit.
 */
export function batches<R extends Pick<ImportRow, "device" | "idCount">>(
  rows: readonly R[],
): R[][] {
  const out: R[][] = [];
  let current: R[] = [];
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
            const refused = rowRejections(pending, problems);
            rejected.push(...refused);
            const lines = new Set(refused.map((r) => r.line));
            pending = pending.filter((r) => !lines.has(r.line));
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
          `accepted ${accepted} row(s) in ${txs.length} transaction(s); rejected ${rejected.length} row(s)`,
          ...rejected.map(
            (r) =>
              `  line ${r.line}: ${r.code}${r.id === undefined ? "" : ` ${(r.ids ?? [r.id]).join(", ")}`}: ${
                r.duplicateOf === undefined
                  ? sentence(r.code)
                  : `duplicate of line ${r.duplicateOf}`
              }`,
          ),
        ].join("\n"),
      );
      if (rejected.length > 0) process.exitCode = EXIT_ERROR;
    }),
  );
}
