import { readFileSync } from "node:fs";
import path from "node:path";
import { makeError } from "../../core/errors/devicechain-error.js";

/** DIR/net.json: what `net init` wrote, read by start, stop and status. */
export const NET_FILE = "net.json";

export interface NodePorts {
  readonly rest: number;
  readonly s13: number;
  readonly abci: number;
  readonly rpc: number;
  readonly p2p: number;
}

export interface NetNode {
  /** The member who runs it; also its folder, DIR/nodes/<name>. */
  readonly name: string;
  readonly validator: boolean;
  /** CometBFT node id (from its node key). */
  readonly nodeId: string;
  readonly ports: NodePorts;
}

export interface NetLayout {
  readonly chainId: string;
  readonly demo: boolean;
  readonly nodes: readonly NetNode[];
}

/** Node i's loopback ports: ten per node from the base. */
export function nodePorts(base: number, i: number): NodePorts {
  const b = base + 10 * i;
  return { rest: b, s13: b + 1, abci: b + 2, rpc: b + 3, p2p: b + 4 };
}

export function readNetLayout(dir: string): NetLayout {
  const file = path.join(dir, NET_FILE);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as NetLayout;
  } catch (cause) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      `${file} is missing or unreadable: run \`devicechain net init\` first`,
      {
        cause,
      },
    );
  }
}

export const nodeDir = (dir: string, name: string): string => path.join(dir, "nodes", name);
export const cometHome = (dir: string, name: string): string =>
  path.join(nodeDir(dir, name), "cometbft");
export const appDir = (dir: string, name: string): string => path.join(nodeDir(dir, name), "app");
export const restUrl = (n: NetNode): string => `http://127.0.0.1:${n.ports.rest}`;
