import { type Command, Option } from "commander";
import { DEFAULT_NODE_URL, NodeClient } from "../sdk/node-client.js";

export interface NodeOptions {
  readonly node: string;
}

/** Add --node URL (default: the local node, or DEVICECHAIN_NODE). */
export function withNodeOption(command: Command): Command {
  return command.addOption(
    new Option("--node <url>", "the node's API").env("DEVICECHAIN_NODE").default(DEFAULT_NODE_URL),
  );
}

export const clientFor = (opts: NodeOptions): NodeClient => new NodeClient(opts.node);
