import { parseCsvRows } from "../encoding/csv.js";
import { makeError } from "../errors/devicechain-error.js";

/** A device model as the TAC database names it. */
export interface TacInfo {
  readonly brand: string;
  readonly model: string;
}

/** The TAC database: brand and model by 8-digit Type Allocation Code, and the licence notice. */
export interface TacDb {
  /** The database's own notice (its first line): the CC-BY-SA attribution every report repeats. */
  readonly attribution: string;
  readonly size: number;
  /** The model with this 8-digit TAC, or undefined when the database does not know it. */
  lookup(tac: string): TacInfo | undefined;
}

const TAC = /^[0-9]{8}$/;
/** A TAC that lost its leading zero in a spreadsheet (Apple's 01xxxxxx TACs appear so). */
const TAC_WITHOUT_LEADING_ZERO = /^[1-9][0-9]{6}$/;
const NOTICE = /^Osmocom TAC database\b/;

/**
 * Parse the Osmocom TAC database (tacdb.csv: a notice line, a header `tac,name,name,…`, then one
 * row per TAC with brand and model in the second and third columns). Cells are trimmed, 7-digit
 * TACs get their lost leading zero back, and rows whose TAC is not digits are skipped; the first
 * row of a repeated TAC wins. TAC_DB_INVALID when the notice or the header is missing, since the
 * licence requires the attribution to travel with the data.
 */
export function parseTacDb(text: string): TacDb {
  const rows = parseCsvRows(text.startsWith("\uFEFF") ? text.slice(1) : text);
  const notice = rows[0]?.cells.join(",").trim() ?? "";
  if (!NOTICE.test(notice)) {
    throw makeError("TAC_DB_INVALID", "The TAC database does not start with its licence notice");
  }
  if (rows[1]?.cells[0]?.trim().toLowerCase() !== "tac") {
    throw makeError("TAC_DB_INVALID", "The TAC database's second line is not its header");
  }
  const models = new Map<string, TacInfo>();
  for (const { cells } of rows.slice(2)) {
    const raw = cells[0]?.trim() ?? "";
    const tac = TAC.test(raw) ? raw : TAC_WITHOUT_LEADING_ZERO.test(raw) ? `0${raw}` : undefined;
    const brand = cells[1]?.trim() ?? "";
    const model = cells[2]?.trim() ?? "";
    if (tac === undefined || (brand === "" && model === "") || models.has(tac)) continue;
    models.set(tac, { brand, model });
  }
  return {
    attribution: notice,
    size: models.size,
    lookup: (tac) => models.get(tac),
  };
}
