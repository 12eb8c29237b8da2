import { type Command, Option } from "commander";
import { DEFAULT_NODE_URL, NodeClient } from "../sdk/node-client.js";

export interface NodeOptions {
  readonly node: string;
}

/**
 * --node as a user writes it: `127.0.0.1:8080` or `node.example:8080` without a scheme means
 * http://, as curl reads it; a URL with a scheme is kept, and the client refuses one that is not
 * http:// or https://.
 */
export function nodeUrl(input: string): string {
  const s = input.trim();
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s) ? s : `http://${s}`;
}

/** Add --node URL (default: the local node, or DEVICECHAIN_NODE). */
export function withNodeOption(command: Command): Command {
  return command.addOption(
    new Option("--node <url>", "the node's API, e.g. http://127.0.0.1:8080 (http:// if omitted)")
      .env("DEVICECHAIN_NODE")
      .default(DEFAULT_NODE_URL)
      .argParser(nodeUrl),
  );
}

export const clientFor = (opts: NodeOptions): NodeClient => new NodeClient(opts.node);
