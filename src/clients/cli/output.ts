import { ERRORS } from "../../core/errors/catalogue.js";
import { isError } from "../../core/errors/devicechain-error.js";

/** Exit codes: 0 success, 1 a coded error, 2 a usage error. */
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** Print a result: JSON for scripts, or the human rendering. */
export function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

/** Print `error CODE: sentence` (or a JSON error under --json) and set a non-zero exit code. */
export function fail(json: boolean, e: unknown): void {
  if (isError(e)) {
    if (json) {
      const error = { code: e.code, message: e.message, ...(e.data ? { data: e.data } : {}) };
      process.stderr.write(`${JSON.stringify({ error })}\n`);
    } else {
      process.stderr.write(`error ${e.code}: ${e.message}\n`);
      const rows = (e.data as { rows?: { index: number; code: string; id?: string }[] } | undefined)
        ?.rows;
      for (const r of rows ?? []) {
        process.stderr.write(`  row ${r.index}: ${r.code}${r.id ? ` (${r.id})` : ""}\n`);
      }
      if (e.cause instanceof Error && !isError(e.cause))
        process.stderr.write(`  cause: ${e.cause.message}\n`);
    }
    process.exitCode = EXIT_ERROR;
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(
    json
      ? `${JSON.stringify({ error: { code: "INTERNAL", message } })}\n`
      : `error INTERNAL: ${message}\n`,
  );
  process.exitCode = EXIT_ERROR;
}

/** A one-line sentence for a code, e.g. for a rejected import row. */
export const sentence = (code: string): string =>
  (ERRORS as Record<string, { message: string }>)[code]?.message ?? code;
