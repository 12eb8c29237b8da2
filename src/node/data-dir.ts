import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Signer } from "../core/crypto/ed25519.js";
import { makeError } from "../core/errors/devicechain-error.js";
import { type Genesis, parseGenesis } from "../core/machine/genesis.js";
import { AccessTokenVerifier } from "../servers/eir/access-token.js";
import { generateSeed, readKeyFile, writeKeyFile } from "./key-file.js";
import { GENESIS_FILE, type NodeConfig } from "./node-config.js";
import { readRlmRestToken } from "./rlm-rest-token.js";

/** The ledger lives in DIR/ledger. */
export const LEDGER_DIR = "ledger";
export const NF_INSTANCE_ID_FILE = "nf-instance-id";
/** Local, never replicated: the observation log, webhook queue and the node's signing key. */
export const OBSERVATIONS_DIR = "observations";
export const PUSH_DIR = "push";
export const NODE_KEY_FILE = "node.key";
/** DIR/consensus.json: present when this node's ledger runs under CometBFT. */
export const CONSENSUS_FILE = "consensus.json";

/** DIR/consensus.json, as `devicechain net init` writes it. */
export interface ConsensusConfig {
  /** Where the ABCI server listens for this node's CometBFT (its proxy_app). */
  readonly abciHost: string;
  readonly abciPort: number;
  /** This node's CometBFT RPC, for broadcasting submissions. */
  readonly rpcUrl: string;
  /** Seed the demo consortium through consensus once the chain runs (one node of a demo net). */
  readonly seedDemo?: boolean;
}

/** What a node reads from its data directory (besides config.json, read into its NodeConfig). */
export interface NodeFiles {
  readonly genesis: Genesis;
  /** Our NfInstanceId on the SBI: configured, or generated on first start and kept. */
  readonly nfInstanceId: string;
  /** The node's own Ed25519 key (it signs webhook deliveries and embedded block headers), made on first start. */
  readonly nodeSigner: Signer;
  /** The operator member's key that signs clone.suspect, when cloneReportKeyFile is set. */
  readonly cloneReportSigner: Signer | undefined;
  /** The NRF token check for the N5g-eir service, when oauth2 is on. */
  readonly accessTokens: AccessTokenVerifier | undefined;
  /** The bearer token rlm_rest requests must carry, when rlmRestTokenFile is set. */
  readonly rlmRestToken: string | undefined;
  /** CometBFT's side of a consortium node; undefined runs the embedded engine. */
  readonly consensus: ConsensusConfig | undefined;
}

/**
 * Read (or, the first time, write) every file a node needs, before anything opens or listens:
 * a missing or broken file fails the start with a coded error and leaves nothing to clean up.
 */
export function readNodeFiles(config: NodeConfig): NodeFiles {
  // In the order a node has always checked them, so the first problem reported stays the same.
  const genesis = readGenesis(config.dataDir);
  const nfInstanceId = resolveNfInstanceId(config);
  const accessTokens = config.oauth2 ? accessTokenVerifier(config, nfInstanceId) : undefined;
  const rlmRestToken =
    config.rlmRestTokenFile === null
      ? undefined
      : readRlmRestToken(config.dataDir, config.rlmRestTokenFile);
  const consensus = readConsensusConfig(config.dataDir);
  return {
    genesis,
    nfInstanceId,
    accessTokens,
    rlmRestToken,
    consensus,
    nodeSigner: nodeSigner(config.dataDir),
    cloneReportSigner:
      config.cloneReportKeyFile === null
        ? undefined
        : readKeyFile(path.resolve(config.dataDir, config.cloneReportKeyFile)),
  };
}

function readGenesis(dataDir: string): Genesis {
  const file = path.join(dataDir, GENESIS_FILE);
  if (!existsSync(file)) {
    throw makeError(
      "GENESIS_INVALID",
      `${file} does not exist: run \`devicechain init\` first, or \`devicechain start --dev\` for the demo chain`,
    );
  }
  try {
    return parseGenesis(JSON.parse(readFileSync(file, "utf8")));
  } catch (cause) {
    if (cause instanceof SyntaxError)
      throw makeError("GENESIS_INVALID", `${file} is not JSON`, { cause });
    throw cause;
  }
}

/** DIR/consensus.json, or undefined when the node runs the embedded engine. */
export function readConsensusConfig(dataDir: string): ConsensusConfig | undefined {
  const file = path.join(dataDir, CONSENSUS_FILE);
  if (!existsSync(file)) return undefined;
  let c: Partial<ConsensusConfig>;
  try {
    c = JSON.parse(readFileSync(file, "utf8")) as Partial<ConsensusConfig>;
  } catch (cause) {
    throw makeError("CONFIG_INVALID", `${file} is not valid JSON`, { cause });
  }
  if (
    typeof c.abciHost !== "string" ||
    !Number.isSafeInteger(c.abciPort) ||
    typeof c.rpcUrl !== "string"
  ) {
    throw makeError("CONFIG_INVALID", `${file} needs abciHost, abciPort and rpcUrl`);
  }
  return c as ConsensusConfig;
}

function nodeSigner(dataDir: string): Signer {
  const file = path.join(dataDir, NODE_KEY_FILE);
  return existsSync(file) ? readKeyFile(file) : writeKeyFile(file, generateSeed());
}

function resolveNfInstanceId(config: NodeConfig): string {
  if (config.nfInstanceId !== null) return config.nfInstanceId;
  const file = path.join(config.dataDir, NF_INSTANCE_ID_FILE);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const id = randomUUID();
  writeFileSync(file, `${id}\n`);
  return id;
}

function accessTokenVerifier(config: NodeConfig, nfInstanceId: string): AccessTokenVerifier {
  if (config.oauth2PublicKeyFile === null) {
    throw makeError(
      "CONFIG_INVALID",
      "config: oauth2 is on, so oauth2PublicKeyFile must name the NRF's token-signing public key (PEM)",
    );
  }
  const file = path.resolve(config.dataDir, config.oauth2PublicKeyFile);
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (cause) {
    throw makeError("CONFIG_INVALID", `config: cannot read oauth2PublicKeyFile ${file}`, {
      cause,
    });
  }
  try {
    return new AccessTokenVerifier({
      publicKeyPem: pem,
      issuer: config.oauth2Issuer ?? undefined,
      nfType: "5G_EIR",
      nfInstanceId,
      scope: "n5g-eir-eic",
      leewaySeconds: 30,
    });
  } catch (cause) {
    throw makeError(
      "CONFIG_INVALID",
      `config: oauth2PublicKeyFile ${file} is not a usable public key: ${(cause as Error).message}`,
      { cause },
    );
  }
}
