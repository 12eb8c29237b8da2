import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type EirUnknownDevicePolicy,
  UNKNOWN_DEVICE_POLICIES,
} from "../core/check/equipment-check.js";
import { makeError } from "../core/errors/devicechain-error.js";
import {
  type AccessSettings,
  accessSettingsProblem,
  DEFAULT_ACCESS,
} from "../servers/access/access-plans.js";
import {
  type ConnectionPolicy,
  connectionPolicyProblem,
  DEFAULT_CONNECTION_POLICY,
} from "../servers/connection-policy.js";
import {
  RADIUS_UNKNOWN_MAC_POLICIES,
  type RadiusClientConfig,
  type RadiusUnknownMacPolicy,
  radiusClientsProblem,
} from "../servers/radius/radius-clients.js";
import {
  DIAMETER_UNLISTED_PEER_POLICIES,
  type DiameterPeerConfig,
  type DiameterUnlistedPeerPolicy,
  diameterPeersProblem,
} from "../servers/s13/diameter-peers.js";
import { normaliseHost } from "./push/webhook-target.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Everything a node needs to run; `config.json` in the data directory overrides the defaults.
 * The connection policy's fields (deadlines and limits for the API port and S13) are settings too.
 */
export interface NodeConfig extends ConnectionPolicy {
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly logLevel: LogLevel;
  /** Dev mode: a demo chain with well-known keys. Never for production. */
  readonly dev: boolean;
  readonly blockMaxWaitMs: number;
  readonly maxTxsPerBlock: number;
  /** Mempool transactions per key that is not a member's (owners, unknown keys); beyond: TOO_MANY_PENDING. */
  readonly mempoolMaxPerKey: number;
  /** Mempool transactions per member key (bulk registrations pipeline). */
  readonly mempoolMaxPerMember: number;
  /** How long POST /v1/txs waits for the commit before answering TX_TIMEOUT. */
  readonly commitTimeoutMs: number;
  /** What the EIR answers for a device the registry does not know. */
  readonly unknownDevicePolicy: EirUnknownDevicePolicy;
  /** S13 Diameter EIR on TCP (0 picks a free port; -1 turns it off). Same address as the API. */
  readonly s13Port: number;
  /** Our Diameter identity on S13: Origin-Host and Origin-Realm. */
  readonly diameterHost: string;
  readonly diameterRealm: string;
  /** Our TS 29.571 NfInstanceId (a UUID); null: generated once and kept in DIR/nf-instance-id. */
  readonly nfInstanceId: string | null;
  /** The address announced to the NRF for the SBI; null: the API host. */
  readonly sbiAdvertiseHost: string | null;
  /** Require NRF-issued OAuth2 bearer tokens (scope n5g-eir-eic) on the N5g-eir service. */
  readonly oauth2: boolean;
  /** The NRF's token-signing public key, PEM; relative paths are in the data directory. */
  readonly oauth2PublicKeyFile: string | null;
  /** The NRF NfInstanceId that tokens must name as iss; null accepts any issuer. */
  readonly oauth2Issuer: string | null;
  /** The NRF apiRoot to register with as 5G_EIR; null: no registration. */
  readonly nrfUri: string | null;
  /** The heartbeat period we propose to the NRF; its answer may set another. */
  readonly nrfHeartbeatSeconds: number;
  /** How long an undelivered webhook event is kept and retried. */
  readonly webhookRetentionHours: number;
  /** The first wait before retrying a failed webhook delivery; it doubles up to 5 minutes. */
  readonly webhookRetryMinMs: number;
  /** The most webhooks one account may register on this node. */
  readonly webhookMaxPerAccount: number;
  /** The most undelivered deliveries one webhook may queue; a new one drops the oldest. */
  readonly webhookMaxUndelivered: number;
  /** Hosts (names or addresses) webhooks may reach although loopback, private or reserved. */
  readonly webhookAllowedHosts: readonly string[];
  /** The most watches one owner (an API key's organisation, or a member) may hold on this node. */
  readonly watchMaxPerOwner: number;
  /** The most watches on this node, all owners together. */
  readonly watchMaxTotal: number;
  /** How long the local record of answered checks is kept. */
  readonly observationRetentionDays: number;
  /** The operator member's key file that signs clone.suspect when a rule fires; null: log only. */
  readonly cloneReportKeyFile: string | null;
  /** Built-in RADIUS on UDP (0 picks a free port; -1 turns it off); it runs with radiusClients. */
  readonly radiusAuthPort: number;
  readonly radiusAcctPort: number;
  /** The NASes allowed to talk RADIUS to this node, each with its shared secret. */
  readonly radiusClients: readonly RadiusClientConfig[];
  /** What RADIUS and rlm_rest answer for a MAC the registry does not know. */
  readonly radiusUnknownMac: RadiusUnknownMacPolicy;
  /** The NAS port Disconnect-Requests go to, unless a client names its own (RFC 5176: 3799). */
  readonly radiusCoaPort: number;
  /** The S13 peers (Origin-Host, Origin-Realm, optional address) whose checks are authenticated. */
  readonly diameterPeers: readonly DiameterPeerConfig[];
  /** With diameterPeers listed: refuse unlisted peers at CER (3010), or answer them unauthenticated. */
  readonly diameterUnlistedPeers: DiameterUnlistedPeerPolicy;
  /** A file holding the bearer token rlm_rest must send; null: rlm_rest answers everyone, unauthenticated. */
  readonly rlmRestTokenFile: string | null;
  /** The most RADIUS accounting sessions kept in memory; beyond it new sessions are not tracked. */
  readonly radiusMaxSessions: number;
  /** Paid access: the public tier's rate and the price plans API keys are issued on. */
  readonly access: AccessSettings;
}

export type NodeSettings = Omit<NodeConfig, "dataDir">;

export const DEFAULT_SETTINGS: NodeSettings = {
  host: "127.0.0.1",
  port: 8080,
  logLevel: "info",
  dev: false,
  blockMaxWaitMs: 20,
  maxTxsPerBlock: 2_000,
  mempoolMaxPerKey: 16,
  mempoolMaxPerMember: 25_000,
  commitTimeoutMs: 30_000,
  unknownDevicePolicy: "reject",
  s13Port: 3868,
  diameterHost: "eir.devicechain.localdomain",
  diameterRealm: "devicechain.localdomain",
  nfInstanceId: null,
  sbiAdvertiseHost: null,
  oauth2: false,
  oauth2PublicKeyFile: null,
  oauth2Issuer: null,
  nrfUri: null,
  nrfHeartbeatSeconds: 10,
  webhookRetentionHours: 24,
  webhookRetryMinMs: 1_000,
  webhookMaxPerAccount: 20,
  webhookMaxUndelivered: 1_000,
  webhookAllowedHosts: [],
  watchMaxPerOwner: 100,
  watchMaxTotal: 10_000,
  observationRetentionDays: 30,
  cloneReportKeyFile: null,
  radiusAuthPort: 1812,
  radiusAcctPort: 1813,
  radiusClients: [],
  radiusUnknownMac: "reject",
  radiusCoaPort: 3799,
  diameterPeers: [],
  diameterUnlistedPeers: "refuse",
  rlmRestTokenFile: null,
  radiusMaxSessions: 1_000_000,
  access: DEFAULT_ACCESS,
  ...DEFAULT_CONNECTION_POLICY,
};

export const CONFIG_FILE = "config.json";
export const GENESIS_FILE = "genesis.json";

/** True when the value is good; false, or a sentence saying what is wrong with it. */
type Check = (v: unknown) => boolean | string;
const isInt =
  (min: number, max: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === "string" && values.includes(v);

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const nullOr =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const nonEmpty: Check = (v) => typeof v === "string" && v.length > 0;
const isSbiUri: Check = (v) => {
  try {
    return typeof v === "string" && /^https?:$/.test(new URL(v).protocol);
  } catch {
    return false;
  }
};

const CHECKS: Readonly<Record<keyof NodeSettings, readonly [Check, string]>> = {
  host: [(v) => typeof v === "string" && v.length > 0, "a host name or address"],
  port: [isInt(0, 65_535), "an integer port, 0 to 65535"],
  logLevel: [oneOf(LOG_LEVELS), LOG_LEVELS.join(", ")],
  dev: [(v) => typeof v === "boolean", "true or false"],
  blockMaxWaitMs: [isInt(1, 10_000), "milliseconds, 1 to 10000"],
  maxTxsPerBlock: [isInt(1, 100_000), "an integer, 1 to 100000"],
  mempoolMaxPerKey: [isInt(1, 10_000), "an integer, 1 to 10000"],
  mempoolMaxPerMember: [isInt(1, 50_000), "an integer, 1 to 50000"],
  commitTimeoutMs: [isInt(100, 600_000), "milliseconds, 100 to 600000"],
  unknownDevicePolicy: [oneOf(UNKNOWN_DEVICE_POLICIES), UNKNOWN_DEVICE_POLICIES.join(", ")],
  s13Port: [isInt(-1, 65_535), "an integer port, 0 to 65535, or -1 for off"],
  diameterHost: [(v) => typeof v === "string" && /^[A-Za-z0-9.-]{1,255}$/.test(v), "a host name"],
  diameterRealm: [(v) => typeof v === "string" && /^[A-Za-z0-9.-]{1,255}$/.test(v), "a realm name"],
  nfInstanceId: [nullOr((v) => typeof v === "string" && UUID.test(v)), "a UUID, or null"],
  sbiAdvertiseHost: [nullOr(nonEmpty), "a host name or address, or null"],
  oauth2: [(v) => typeof v === "boolean", "true or false"],
  oauth2PublicKeyFile: [nullOr(nonEmpty), "a PEM file path, or null"],
  oauth2Issuer: [nullOr(nonEmpty), "the NRF's NfInstanceId, or null"],
  nrfUri: [nullOr(isSbiUri), "an http: or https: apiRoot, or null"],
  nrfHeartbeatSeconds: [isInt(1, 3_600), "seconds, 1 to 3600"],
  webhookRetentionHours: [isInt(1, 24 * 30), "hours, 1 to 720"],
  webhookRetryMinMs: [isInt(10, 600_000), "milliseconds, 10 to 600000"],
  webhookMaxPerAccount: [isInt(1, 10_000), "an integer, 1 to 10000"],
  webhookMaxUndelivered: [isInt(1, 1_000_000), "an integer, 1 to 1000000"],
  webhookAllowedHosts: [
    (v) =>
      Array.isArray(v) &&
      v.length <= 1_000 &&
      v.every((h) => typeof h === "string" && normaliseHost(h) !== undefined),
    "a list of host names or addresses",
  ],
  watchMaxPerOwner: [isInt(1, 100_000), "an integer, 1 to 100000"],
  watchMaxTotal: [isInt(1, 1_000_000), "an integer, 1 to 1000000"],
  observationRetentionDays: [isInt(1, 3_650), "days, 1 to 3650"],
  cloneReportKeyFile: [nullOr(nonEmpty), "a key file path, or null"],
  radiusAuthPort: [isInt(-1, 65_535), "an integer port, 0 to 65535, or -1 for off"],
  radiusAcctPort: [isInt(-1, 65_535), "an integer port, 0 to 65535, or -1 for off"],
  radiusClients: [(v) => radiusClientsProblem(v) ?? true, "a list of {address, secret}"],
  radiusUnknownMac: [oneOf(RADIUS_UNKNOWN_MAC_POLICIES), RADIUS_UNKNOWN_MAC_POLICIES.join(", ")],
  radiusCoaPort: [isInt(1, 65_535), "an integer port, 1 to 65535"],
  diameterPeers: [(v) => diameterPeersProblem(v) ?? true, "a list of {host, realm, address?}"],
  diameterUnlistedPeers: [
    oneOf(DIAMETER_UNLISTED_PEER_POLICIES),
    DIAMETER_UNLISTED_PEER_POLICIES.join(", "),
  ],
  rlmRestTokenFile: [nullOr(nonEmpty), "a token file path, or null"],
  radiusMaxSessions: [isInt(1, 10_000_000), "an integer, 1 to 10000000"],
  access: [(v) => accessSettingsProblem(v) ?? true, "{publicTier, plans}"],
  firstByteTimeoutMs: [isInt(100, 600_000), "milliseconds, 100 to 600000"],
  headersTimeoutMs: [isInt(100, 600_000), "milliseconds, 100 to 600000"],
  requestTimeoutMs: [isInt(100, 3_600_000), "milliseconds, 100 to 3600000"],
  idleTimeoutMs: [isInt(100, 3_600_000), "milliseconds, 100 to 3600000"],
  maxConnectionsPerAddress: [isInt(1, 1_000_000), "an integer, 1 to 1000000"],
  http2MaxConcurrentStreams: [isInt(1, 10_000), "an integer, 1 to 10000"],
  http2MaxSessionMemoryMb: [isInt(1, 1_024), "MiB, 1 to 1024"],
  http2MaxHeaderListBytes: [isInt(1_024, 1_048_576), "bytes, 1024 to 1048576"],
  diameterWatchdogMs: [isInt(100, 3_600_000), "milliseconds, 100 to 3600000"],
};

/** Check a settings object field by field; an unknown field or a bad value is an error naming it. */
export function parseSettings(value: unknown, source: string): Partial<NodeSettings> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw makeError("CONFIG_INVALID", `${source} must hold a JSON object`);
  }
  for (const [field, v] of Object.entries(value)) {
    const check = CHECKS[field as keyof NodeSettings];
    if (!check) throw makeError("CONFIG_INVALID", `${source}: unknown setting "${field}"`);
    const verdict = check[0](v);
    if (verdict !== true) {
      const why = typeof verdict === "string" ? verdict : `must be ${check[1]}`;
      throw makeError("CONFIG_INVALID", `${source}: "${field}" ${why}`);
    }
  }
  return value as Partial<NodeSettings>;
}

/** Defaults, then DIR/config.json, then explicit overrides (e.g. command-line flags). */
export function loadNodeConfig(dataDir: string, overrides: Partial<NodeSettings> = {}): NodeConfig {
  const file = path.join(dataDir, CONFIG_FILE);
  let fromFile: Partial<NodeSettings> = {};
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (cause) {
      throw makeError("CONFIG_INVALID", `${file} is not valid JSON`, { cause });
    }
    fromFile = parseSettings(parsed, file);
  }
  const checked = parseSettings(stripUndefined(overrides), "options");
  const config = { ...DEFAULT_SETTINGS, ...fromFile, ...checked, dataDir };
  const problem = connectionPolicyProblem(config);
  if (problem) throw makeError("CONFIG_INVALID", `settings: ${problem}`);
  return config;
}

/** Write DIR/config.json with the given settings (the rest stay at their defaults). */
export function writeNodeConfig(dataDir: string, settings: Partial<NodeSettings>): void {
  const checked = parseSettings(stripUndefined(settings), "settings");
  writeFileSync(path.join(dataDir, CONFIG_FILE), `${JSON.stringify(checked, null, 2)}\n`);
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
