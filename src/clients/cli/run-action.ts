import type { Command } from "commander";
import { fail } from "./output.js";

/** Options every command sees: --json, and --node where it talks to a node. */
export interface GlobalOptions {
  readonly json: boolean;
}

/**
 * Wrap a command action: merge the global options in, and turn any failure into
 * `error CODE: sentence` and a non-zero exit instead of a stack trace.
 */
export function run<O extends object>(
  action: (opts: O & GlobalOptions, ...args: string[]) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.optsWithGlobals() as O & GlobalOptions;
    const positional = args.slice(0, -2).filter((a): a is string => typeof a === "string");
    try {
      await action({ ...opts, json: opts.json === true }, ...positional);
    } catch (e) {
      fail(opts.json === true, e);
    }
  };
}
