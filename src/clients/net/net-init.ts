import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { JsonObject } from "../../core/encoding/canonical-json.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { Genesis } from "../../core/machine/genesis.js";
import { ensureCometbft } from "../../node/cometbft-binary.js";
import { CONSENSUS_FILE, type ConsensusConfig } from "../../node/data-dir.js";
import { generateSeed, writeKeyFile } from "../../node/key-file.js";
import {
  CONFIG_FILE,
  GENESIS_FILE,
  type NodeSettings,
  writeNodeConfig,
} from "../../node/node-config.js";
import { prepareDemoDataDir } from "../demo/demo-consortium.js";
import { LAN_CONSENSUS, patchToml } from "./cometbft-config.js";
import { NET_FILE, type NetLayout, type NetNode, nodePorts } from "./net-layout.js";

export interface NetInitOptions {
  readonly dir: string;
  readonly validators: number;
  readonly fullNodes?: number;
  /** The demo consortium (same keys and data as `npm start`), seeded through consensus. */
  readonly demo?: boolean;
  readonly chainId?: string;
  /** First loopback port; node i uses basePort + 10 i … + 4. */
  readonly basePort?: number;
  /** CometBFT's log_level, e.g. "info" or "main:info,state:info,*:error". */
  readonly logLevel?: string;
  /** The devicechain processes' log level (default info). */
  readonly appLogLevel?: NodeSettings["logLevel"];
  readonly log?: (line: string) => void;
}

/** Demo nodes are run by demo members, in this order. */
const DEMO_OPERATORS = [
  "regulator",
  "operator-a",
  "operator-b",
  "acme-phones",
  "police",
  "shop",
  "market",
];
export const VALIDATOR_POWER = 10;

/**
 * Write a local consortium: a devicechain genesis and keys, and per member a CometBFT home
 * (keys, genesis, config on loopback ports) and a devicechain data directory set up for ABCI.
 */
export function initNet(opts: NetInitOptions): NetLayout {
  const log = opts.log ?? (() => undefined);
  const validators = opts.validators;
  const fullNodes = opts.fullNodes ?? 0;
  if (!Number.isSafeInteger(validators) || validators < 1 || validators > 7) {
    throw makeError("REQUEST_BAD_PARAMS", "--validators must be 1 to 7 for a local network");
  }
  if (!Number.isSafeInteger(fullNodes) || fullNodes < 0 || validators + fullNodes > 7) {
    throw makeError("REQUEST_BAD_PARAMS", "--full-nodes must be 0 or more, at most 7 nodes in all");
  }
  const dir = path.resolve(opts.dir);
  if (existsSync(path.join(dir, NET_FILE))) {
    throw makeError("REQUEST_BAD_PARAMS", `${dir} already holds a network (${NET_FILE})`);
  }
  const basePort = opts.basePort ?? 26600;
  const bin = ensureCometbft(log);
  mkdirSync(path.join(dir, "keys"), { recursive: true });

  const count = validators + fullNodes;
  let names: string[];
  let genesis: Genesis;
  if (opts.demo) {
    // Exactly `npm start`'s demo: its keys in DIR/keys and its genesis; the rest is seeded.
    prepareDemoDataDir(dir);
    rmSync(path.join(dir, CONFIG_FILE), { force: true });
    genesis = JSON.parse(readFileSync(path.join(dir, GENESIS_FILE), "utf8")) as Genesis;
    names = DEMO_OPERATORS.slice(0, count);
  } else {
    names = ["regulator", ...Array.from({ length: count - 1 }, (_, i) => `operator-${i + 1}`)];
    const members: JsonObject[] = names.map((name) => {
      const signer = writeKeyFile(path.join(dir, "keys", `${name}.key`), generateSeed());
      return name === "regulator"
        ? { id: name, role: "regulator", name: "Regulator", key: signer.keyId }
        : { id: name, role: "operator", name: `Operator ${name.slice(9)}`, key: signer.keyId };
    });
    genesis = {
      chainId: opts.chainId ?? "devicechain-local",
      genesisTime: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
      members,
      // Random, as `devicechain init` writes it: only holders of the genesis compute pairing hashes.
      pairingSalt: randomBytes(32).toString("hex"),
    };
    writeFileSync(path.join(dir, GENESIS_FILE), `${JSON.stringify(genesis, null, 2)}\n`);
  }

  const nodes: NetNode[] = names.map((name, i) => {
    const home = path.join(dir, "nodes", name, "cometbft");
    execFileSync(bin, ["init", "--home", home], { stdio: "ignore" });
    const nodeId = execFileSync(bin, ["show-node-id", "--home", home], { encoding: "utf8" }).trim();
    return { name, validator: i < validators, nodeId, ports: nodePorts(basePort, i) };
  });

  const firstHome = path.join(dir, "nodes", names[0]!, "cometbft");
  const cmtGenesis = JSON.parse(
    readFileSync(path.join(firstHome, "config", "genesis.json"), "utf8"),
  ) as Record<string, unknown>;
  cmtGenesis.genesis_time = genesis.genesisTime;
  cmtGenesis.chain_id = genesis.chainId;
  cmtGenesis.initial_height = "1";
  cmtGenesis.app_hash = "";
  cmtGenesis.validators = nodes
    .filter((n) => n.validator)
    .map((n) => {
      const key = JSON.parse(
        readFileSync(
          path.join(dir, "nodes", n.name, "cometbft", "config", "priv_validator_key.json"),
          "utf8",
        ),
      ) as { address: string; pub_key: unknown };
      return {
        address: key.address,
        pub_key: key.pub_key,
        power: String(VALIDATOR_POWER),
        name: n.name,
      };
    });
  // The ledger records the same set, so that validator.set can change it later.
  genesis = {
    ...genesis,
    validators: (cmtGenesis.validators as { pub_key: { value: string }; name: string }[]).map(
      (v) => ({ member: v.name, pubKey: v.pub_key.value, power: VALIDATOR_POWER }),
    ),
  };
  writeFileSync(path.join(dir, GENESIS_FILE), `${JSON.stringify(genesis, null, 2)}\n`);
  cmtGenesis.app_state = genesis;

  for (const [i, node] of nodes.entries()) {
    const home = path.join(dir, "nodes", node.name, "cometbft");
    writeFileSync(
      path.join(home, "config", "genesis.json"),
      `${JSON.stringify(cmtGenesis, null, 2)}\n`,
    );
    const peers = nodes
      .filter((_, j) => j !== i)
      .map((p) => `${p.nodeId}@127.0.0.1:${p.ports.p2p}`)
      .join(",");
    const tomlFile = path.join(home, "config", "config.toml");
    writeFileSync(
      tomlFile,
      patchToml(readFileSync(tomlFile, "utf8"), {
        "": {
          moniker: node.name,
          proxy_app: `tcp://127.0.0.1:${node.ports.abci}`,
          log_level: opts.logLevel ?? "info",
        },
        rpc: {
          laddr: `tcp://127.0.0.1:${node.ports.rpc}`,
          max_open_connections: 2000,
          // A 1 MiB transaction is 1.4 MiB in base64, over the 1 MB default; batches are larger.
          max_body_bytes: 16 * 1024 * 1024,
          // The engine batches broadcasts (up to 500 per request; CometBFT's default is 10).
          max_request_batch_size: 1000,
        },
        p2p: {
          laddr: `tcp://127.0.0.1:${node.ports.p2p}`,
          persistent_peers: peers,
          addr_book_strict: false,
          allow_duplicate_ip: true,
          pex: false,
        },
        mempool: { size: 20000, cache_size: 100000 },
        consensus: LAN_CONSENSUS,
        // The ledger keeps its own transaction index (GET /v1/txs/:hash) and results.
        tx_index: { indexer: "null" },
        storage: { discard_abci_responses: true },
      }),
    );
    const appDir = path.join(dir, "nodes", node.name, "app");
    mkdirSync(appDir, { recursive: true });
    writeFileSync(path.join(appDir, GENESIS_FILE), `${JSON.stringify(genesis, null, 2)}\n`);
    writeNodeConfig(appDir, {
      host: "127.0.0.1",
      port: node.ports.rest,
      s13Port: node.ports.s13,
      ...(opts.appLogLevel === undefined ? {} : { logLevel: opts.appLogLevel }),
      ...(opts.demo ? { dev: true } : {}),
    });
    const consensus: ConsensusConfig = {
      abciHost: "127.0.0.1",
      abciPort: node.ports.abci,
      rpcUrl: `http://127.0.0.1:${node.ports.rpc}`,
      ...(opts.demo && i === 0 ? { seedDemo: true } : {}),
    };
    writeFileSync(path.join(appDir, CONSENSUS_FILE), `${JSON.stringify(consensus, null, 2)}\n`);
  }
  const layout: NetLayout = { chainId: genesis.chainId, demo: opts.demo === true, nodes };
  writeFileSync(path.join(dir, NET_FILE), `${JSON.stringify(layout, null, 2)}\n`);
  log(
    `wrote a ${validators}-validator network${fullNodes ? ` with ${fullNodes} full nodes` : ""} in ${dir}`,
  );
  return layout;
}
