import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { makeError } from "../core/errors/devicechain-error.js";
import { parseTacDb, type TacDb } from "../core/identifiers/tac-db.js";

/**
 * The TAC database shipped with the node: share/tacdb.csv.gz at the package root (two levels above
 * src/node, three above dist/src/node), the upstream file unmodified and gzipped (3.3 MB as text,
 * 0.2 MB in the repository). Not in the data directory, which `--data ./data` makes at
 * the repository root: the database belongs to the release, the data directory to the node.
 */
export const TAC_DB_CANDIDATES = [
  "../../../share/tacdb.csv.gz",
  "../../share/tacdb.csv.gz",
] as const;

/** Read and parse the TAC database once, at node start; TAC_DB_INVALID if it is missing or bad. */
export function readTacDb(): TacDb {
  for (const rel of TAC_DB_CANDIDATES) {
    let gzipped: Buffer;
    try {
      gzipped = readFileSync(new URL(rel, import.meta.url));
    } catch {
      continue;
    }
    let text: string;
    try {
      text = gunzipSync(gzipped).toString("utf8");
    } catch (cause) {
      throw makeError("TAC_DB_INVALID", "share/tacdb.csv.gz is not gzip", { cause });
    }
    return parseTacDb(text);
  }
  throw makeError("TAC_DB_INVALID", "share/tacdb.csv.gz is missing from the installation");
}
