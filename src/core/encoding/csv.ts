/** One CSV record and the line of the file it starts on (1-based), for messages to the user. */
export interface CsvRow {
  readonly line: number;
  readonly cells: string[];
}

/**
 * RFC 4180 CSV: fields may be quoted, quotes doubled inside; CRLF or LF line ends. A quoted field
 * may hold a line break, so a record's line is counted, not taken from its index.
 */
export function parseCsvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) line++;
        field += c;
      }
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push({ line: start, cells: row });
      row = [];
      field = "";
      start = ++line;
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push({ line: start, cells: row });
  }
  return rows;
}

/** The records of a CSV text, without their line numbers. */
export const parseCsv = (text: string): string[][] => parseCsvRows(text).map((r) => r.cells);

/** One CSV field, quoted when it must be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
