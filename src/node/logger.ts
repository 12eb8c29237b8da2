import { createRequire } from "node:module";
import { type Logger, pino } from "pino";
import type PinoPretty from "pino-pretty";

// Loaded only for a terminal: every CLI command imports this module, and the prettifier and its
// dependencies take about 40 ms to load that a piped or scripted run never needs.
const prettifier = (): typeof PinoPretty =>
  createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;

export interface LoggerChoice {
  /** One JSON object per line even on a terminal (the CLI's --json). */
  readonly json?: boolean;
  /** Whether the lines go to a terminal; by default, whether stdout is one. */
  readonly tty?: boolean;
  /** Where the lines go; stdout unless a test gives its own stream. */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * The node's logger: readable, coloured lines when stdout is a terminal (a person watching
 * `npm start`), and one JSON object per line otherwise, for files, pipes and log collectors.
 */
export function createLogger(level: string, choice: LoggerChoice = {}): Logger {
  const options = { level, name: "devicechain" };
  const tty = choice.tty ?? process.stdout.isTTY === true;
  if (choice.json === true || !tty) {
    return choice.destination === undefined ? pino(options) : pino(options, choice.destination);
  }
  // Formatted in this thread and written synchronously, so that the last lines before
  // process.exit (a failed start, Ctrl-C) are not lost in a transport's worker.
  return pino(
    options,
    prettifier()({
      sync: true,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
      singleLine: true,
      // Colours follow the terminal (and NO_COLOR); a test's stream gets none.
      ...(choice.destination === undefined
        ? {}
        : { destination: choice.destination, colorize: false }),
    }),
  );
}
