import { readFileSync } from "node:fs";
import { makeError } from "../core/errors/devicechain-error.js";
import { parseTacDb, type TacDb } from "../core/identifiers/tac-db.js";

/**
 * The TAC database shipped with the node: share/tacdb.csv at the package root (two levels above
 * src/node, three above dist/src/node). Not in the data directory, which `--data ./data` makes at
 * the repository root: the database belongs to the release, the data directory to the node.
 */
export const TAC_DB_CANDIDATES = ["../../../share/tacdb.csv", "../../share/tacdb.csv"] as const;

/** Read and parse the TAC database once, at node start; TAC_DB_INVALID if it is missing or bad. */
export function readTacDb(): TacDb {
  for (const rel of TAC_DB_CANDIDATES) {
    let text: string;
    try {
      text = readFileSync(new URL(rel, import.meta.url), "utf8");
    } catch {
      continue;
    }
    return parseTacDb(text);
  }
  throw makeError("TAC_DB_INVALID", "share/tacdb.csv is missing from the installation");
}
