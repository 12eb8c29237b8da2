/**
 * The node's one clean-up path, on a real node (real ledger, engine and sockets on loopback):
 * a part that fails to start stops the parts already started, last first; close() stops each
 * part once; Ctrl-C stops a `devicechain start` process the same way and it exits with 0.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { pino } from "pino";
import { signerFromSeed } from "../core/crypto/ed25519.js";
import { sha256 } from "../core/crypto/hash.js";
import { utf8 } from "../core/encoding/bytes.js";
import type { Genesis } from "../core/machine/genesis.js";
import { repoRoot } from "./cometbft-binary.js";
import { runNode } from "./node.js";
import { loadNodeConfig, type NodeSettings } from "./node-config.js";

/** Every part of a node with S13 and RADIUS on, in the order it starts. */
const STARTED = [
  "ledger",
  "metrics",
  "push",
  "embedded engine",
  "observations",
  "access store",
  "proofs",
  "HTTP API",
  "S13",
  "RADIUS",
  "readiness",
];
const RADIUS_CLIENT = { address: "127.0.0.1", secret: "a shared secret for the node test" };

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-node-"));
  const regulator = signerFromSeed(sha256(utf8("node-test:regulator")));
  const genesis: Genesis = {
    chainId: "devicechain-node-test",
    genesisTime: "2026-01-01T00:00:00Z",
    members: [{ id: "regulator", role: "regulator", name: "Regulator", key: regulator.keyId }],
  };
  writeFileSync(path.join(dir, "genesis.json"), JSON.stringify(genesis));
  return dir;
}

interface LogLine {
  readonly msg: string;
  readonly service?: string;
  readonly code?: string;
}

/** A debug logger that keeps its lines, and the services they say stopped, in order. */
function recordingLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const stopped = (): string[] =>
    lines.filter((l) => l.service && l.msg.endsWith(" stopped")).map((l) => l.service!);
  return { logger, lines, stopped };
}

const settings = (more: Partial<NodeSettings> = {}): Partial<NodeSettings> => ({
  port: 0,
  s13Port: 0,
  blockMaxWaitMs: 5,
  ...more,
});

function boundUdpPort(): Promise<Socket> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => socket.bind(0, "127.0.0.1", () => resolve(socket)));
}

test("a part that fails to start stops the parts already started, last first", async () => {
  const dir = dataDir();
  const taken = await boundUdpPort();
  try {
    const { logger, stopped } = recordingLogger();
    const config = loadNodeConfig(
      dir,
      settings({
        radiusClients: [RADIUS_CLIENT],
        radiusAuthPort: taken.address().port,
        radiusAcctPort: 0,
      }),
    );
    await assert.rejects(runNode(config, { logger }), { code: "NODE_LISTEN_FAILED" });
    // RADIUS comes after S13 and the HTTP API: those, and everything under them, stopped.
    assert.deepEqual(stopped(), STARTED.slice(0, STARTED.indexOf("RADIUS")).reverse());
    // Nothing is left holding the data directory: the same node starts on it at once.
    const again = await runNode(loadNodeConfig(dir, settings()), {
      logger: pino({ level: "silent" }),
    });
    await again.close();
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a node whose first part fails to start has nothing to stop", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-node-"));
  try {
    const { logger, stopped } = recordingLogger();
    await assert.rejects(runNode(loadNodeConfig(dir, settings()), { logger }), {
      code: "GENESIS_INVALID",
    });
    assert.deepEqual(stopped(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("close() stops every part once, in reverse order, however often it is called", async () => {
  const dir = dataDir();
  try {
    const { logger, lines, stopped } = recordingLogger();
    const config = loadNodeConfig(
      dir,
      settings({ radiusClients: [RADIUS_CLIENT], radiusAuthPort: 0, radiusAcctPort: 0 }),
    );
    const node = await runNode(config, { logger });
    assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
    const first = node.close();
    const second = node.close();
    assert.equal(first, second);
    await Promise.all([first, second]);
    await node.close();
    assert.deepEqual(stopped(), [...STARTED].reverse());
    assert.equal(lines.filter((l) => l.msg === "node stopped").length, 1);
    await assert.rejects(fetch(`${node.url}/readyz`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Ctrl-C stops `devicechain start` through the same clean-up and exits with 0", async () => {
  const dir = dataDir();
  try {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot(), "bin", "devicechain.js"),
        "start",
        "--data",
        dir,
        "--port",
        "0",
        "--s13-port",
        "0",
        "--log-level",
        "debug",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal })),
    );
    const lines: LogLine[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the node did not start in 60 s")), 60_000);
      createInterface({ input: child.stdout }).on("line", (line) => {
        const entry = JSON.parse(line) as LogLine & { url?: string };
        lines.push(entry);
        if (entry.msg.startsWith("devicechain node listening") && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      });
      void exited.then(({ code }) => reject(new Error(`the node exited with ${code}`)));
    });
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    child.kill("SIGINT");
    const force = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const { code, signal } = await exited;
    clearTimeout(force);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
    const stopped = lines
      .filter((l) => l.service && l.msg.endsWith(" stopped"))
      .map((l) => l.service!);
    const withoutRadius = STARTED.filter((s) => s !== "RADIUS");
    assert.deepEqual(stopped, withoutRadius.reverse());
    assert.ok(lines.some((l) => l.msg === "node stopped"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
