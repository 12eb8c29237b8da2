import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { type Signer, signerFromSeed } from "../../core/crypto/ed25519.js";
import { sha256 } from "../../core/crypto/hash.js";
import { utf8 } from "../../core/encoding/bytes.js";
import type { JsonObject } from "../../core/encoding/canonical-json.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { luhnCheckDigit } from "../../core/identifiers/luhn.js";
import type { Genesis } from "../../core/machine/genesis.js";
import { lastNonce } from "../../core/machine/verify.js";
import type { StateReader } from "../../core/state/state.js";
import { encodeTx, signTx } from "../../core/tx/transaction.js";
import type { TxType } from "../../core/tx/tx-type.js";
import { writeKeyFile } from "../../node/key-file.js";
import { CONFIG_FILE, GENESIS_FILE, writeNodeConfig } from "../../node/node-config.js";

export const DEMO_CHAIN_ID = "devicechain-dev";

/** The demo consortium: member id, role and display name; owners have keys but no membership. */
const DEMO_MEMBERS = [
  { id: "operator-a", role: "operator", name: "Operator A (demo)" },
  { id: "operator-b", role: "operator", name: "Operator B (demo)" },
  { id: "acme-phones", role: "manufacturer", name: "Acme Phones (demo)" },
  { id: "shop", role: "retailer", name: "Corner Shop (demo)" },
  { id: "police", role: "law_enforcement", name: "City Police (demo)" },
  { id: "market", role: "marketplace", name: "Second-hand Market (demo)" },
] as const;

export const DEMO_KEY_NAMES = [
  "regulator",
  ...DEMO_MEMBERS.map((m) => m.id),
  "alice",
  "bob",
] as const;
export type DemoKeyName = (typeof DEMO_KEY_NAMES)[number];

/** The demo's well-known keys: anyone can derive them, which is why dev mode is never production. */
export function demoSigner(name: DemoKeyName): Signer {
  return signerFromSeed(demoSeed(name));
}

const demoSeed = (name: string): Uint8Array => sha256(utf8(`devicechain-dev:${name}`));

/** The README's stolen phone (TS 23.003's example IMEI) and its clean one. */
export const DEMO_STOLEN_IMEI = "490154203237518";
export const DEMO_CLEAN_IMEI = "356938035643809";
export const DEMO_BULK_DEVICES = 10_000;
const BULK_TAC = "35000000";
const DUAL_SIM_TAC = "35000001";
/** Acme's bulk range: 35000000 and 35000001 are used by the demo, the rest left for imports. */
const ACME_RANGE_END = "35000009";
const PER_TX = 5_000;

const imei = (tac: string, snr: number): string => {
  const d14 = tac + String(snr).padStart(6, "0");
  return d14 + String(luhnCheckDigit(d14));
};
const demoMac = (i: number): string =>
  `02:DC:00:${[(i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;

/**
 * Make DIR a dev-mode data directory if it is not one yet: the demo keys in DIR/keys, a genesis
 * with the demo regulator, and a config with dev on. An existing genesis is left as it is.
 */
export function prepareDemoDataDir(dataDir: string): { created: boolean } {
  if (existsSync(path.join(dataDir, GENESIS_FILE))) return { created: false };
  mkdirSync(path.join(dataDir, "keys"), { recursive: true });
  for (const name of DEMO_KEY_NAMES) {
    const file = path.join(dataDir, "keys", `${name}.key`);
    if (!existsSync(file)) writeKeyFile(file, demoSeed(name));
  }
  const genesis: Genesis = {
    chainId: DEMO_CHAIN_ID,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [
      {
        id: "regulator",
        role: "regulator",
        name: "Regulator (demo)",
        key: demoSigner("regulator").keyId,
      },
    ],
  };
  writeFileSync(path.join(dataDir, GENESIS_FILE), `${JSON.stringify(genesis, null, 2)}\n`);
  if (!existsSync(path.join(dataDir, CONFIG_FILE))) writeNodeConfig(dataDir, { dev: true });
  return { created: true };
}

/** Every demo transaction, in order, as [signer, type, params]. */
/** Each demo signer's key id and the nonce of its last seeding transaction. */
export function demoFinalNonces(): Map<string, number> {
  const last = new Map<string, number>();
  for (const [name] of demoScript()) {
    const keyId = demoSigner(name).keyId;
    last.set(keyId, (last.get(keyId) ?? 0) + 1);
  }
  return last;
}

function demoScript(): [DemoKeyName, TxType, JsonObject][] {
  const script: [DemoKeyName, TxType, JsonObject][] = [];
  for (const m of DEMO_MEMBERS) {
    script.push(["regulator", "member.admit", { ...m, key: demoSigner(m.id).keyId }]);
  }
  const tacRanges: [string, string][] = [
    ["49015420", "49015420"],
    ["35693803", "35693803"],
    [BULK_TAC, ACME_RANGE_END],
  ];
  for (const [from, to] of tacRanges) {
    script.push(["regulator", "tac.allocate", { manufacturer: "acme-phones", from, to }]);
  }
  script.push([
    "acme-phones",
    "device.register",
    { devices: [{ ids: [DEMO_STOLEN_IMEI, "02:DC:49:01:54:20"] }, { ids: [DEMO_CLEAN_IMEI] }] },
  ]);
  for (let start = 0; start < DEMO_BULK_DEVICES; start += PER_TX) {
    const devices: JsonObject[] = [];
    for (let i = start; i < Math.min(start + PER_TX, DEMO_BULK_DEVICES); i++) {
      const ids = [imei(BULK_TAC, i)];
      if (i % 50 === 0) ids.push(imei(DUAL_SIM_TAC, i)); // a dual-SIM phone: two IMEIs, one device
      if (i % 100 === 7) ids.push(demoMac(i));
      devices.push({ ids });
    }
    script.push(["acme-phones", "device.register", { devices }]);
  }
  script.push([
    "shop",
    "device.sell",
    { device: DEMO_STOLEN_IMEI, owner: demoSigner("alice").keyId },
  ]);
  script.push(["shop", "device.sell", { device: DEMO_CLEAN_IMEI, owner: demoSigner("bob").keyId }]);
  script.push(["alice", "report.file", { device: DEMO_STOLEN_IMEI, kind: "stolen" }]);
  script.push([
    "police",
    "report.file",
    { device: DEMO_STOLEN_IMEI, kind: "stolen", reference: "CASE-2026-0001" },
  ]);
  // A little variety for the demo: a phone an operator reported lost, a counterfeit one blocked.
  script.push([
    "shop",
    "device.sell",
    { device: imei(BULK_TAC, 1), owner: demoSigner("bob").keyId },
  ]);
  script.push([
    "operator-a",
    "report.file",
    { device: imei(BULK_TAC, 1), kind: "lost", reference: "SUB-REF-0001" },
  ]);
  script.push(["regulator", "device.block", { device: imei(BULK_TAC, 2), reason: "counterfeit" }]);
  return script;
}

/** What seeding needs of a node's engine (the node's TxEngine is one). */
export interface DemoEngine {
  readonly app: {
    readonly chainId: string;
    readonly store: StateReader;
    info(): { readonly lastBlockHeight: number };
  };
  submit(
    bytes: Uint8Array,
  ): Promise<{ readonly code: number; readonly codeName: string; readonly log: string }>;
}

/**
 * Seed the demo consortium through the engine, as signed transactions like any other. Runs only
 * on an empty chain, so a restart keeps the same data and never adds a second copy.
 */
export async function seedDemo(engine: DemoEngine, log: Logger): Promise<void> {
  if (engine.app.chainId !== DEMO_CHAIN_ID) {
    throw makeError(
      "REQUEST_BAD_PARAMS",
      `--dev needs the demo chain ${DEMO_CHAIN_ID}, but this data directory holds ${engine.app.chainId}`,
    );
  }
  const { lastBlockHeight } = engine.app.info();
  // The regulator signs the first demo transaction. (Under CometBFT, empty blocks may come first.)
  if (lastNonce(engine.app.store, demoSigner("regulator").keyId) > 0) {
    log.info({ height: lastBlockHeight }, "demo chain already seeded; keeping its data");
    return;
  }
  const script = demoScript();
  const nonces = new Map<DemoKeyName, number>();
  log.info({ transactions: script.length }, "seeding the demo consortium");
  for (const [i, [name, type, params]] of script.entries()) {
    const signer = demoSigner(name);
    const nonce = (nonces.get(name) ?? 0) + 1;
    nonces.set(name, nonce);
    const tx = signTx(signer, { chain: DEMO_CHAIN_ID, signer: signer.keyId, nonce, type, params });
    const r = await engine.submit(encodeTx(tx));
    if (r.code !== 0)
      throw makeError("INTERNAL", `Demo transaction ${i} (${type}) failed: ${r.codeName} ${r.log}`);
    if (type === "device.register")
      log.info({ step: i + 1, of: script.length }, "demo devices registered");
  }
  log.info(
    { devices: DEMO_BULK_DEVICES + 2, stolen: DEMO_STOLEN_IMEI, clean: DEMO_CLEAN_IMEI },
    "demo consortium ready",
  );
}
