/**
 * A node for the RADIUS bench: a temp chain with a police member and MAC devices, the built-in
 * RADIUS server on ephemeral ports, and one client (127.0.0.1) whose CoA port is argv[2].
 */
import { rmSync } from "node:fs";
import { runNode } from "../src/node/node.js";
import { loadNodeConfig } from "../src/node/node-config.js";
import { benchDataDir, benchSigner, txBytes } from "./bench-fixtures.js";
import { LOAD_MAC, RADIUS_BENCH_SECRET, SESSION_DEVICES, sessionMac } from "./radius-bench.js";

const coaPort = Number(process.argv[2]);
const regulator = benchSigner("regulator");
const mfr = benchSigner("manufacturer");
const police = benchSigner("police");
const { dir } = benchDataDir(regulator);
const node = await runNode(
  loadNodeConfig(dir, {
    port: 0,
    s13Port: -1,
    logLevel: "warn",
    radiusAuthPort: 0,
    radiusAcctPort: 0,
    radiusClients: [{ address: "127.0.0.1", secret: RADIUS_BENCH_SECRET, coaPort }],
  }),
);
const devices = [LOAD_MAC, ...Array.from({ length: SESSION_DEVICES }, (_, i) => sessionMac(i + 1))];
const steps = [
  txBytes(regulator, 1, "member.admit", {
    id: "mfr",
    role: "manufacturer",
    name: "B",
    key: mfr.keyId,
  }),
  txBytes(regulator, 2, "member.admit", {
    id: "police",
    role: "law_enforcement",
    name: "P",
    key: police.keyId,
  }),
  txBytes(mfr, 1, "device.register", { devices: devices.map((mac) => ({ ids: [mac] })) }),
];
for (const bytes of steps) {
  const r = await node.engine.submit(bytes);
  if (r.code !== 0) throw new Error(`setup failed: ${r.codeName}`);
}
process.stdout.write(
  `${JSON.stringify({
    port: Number(new URL(node.url).port),
    authPort: node.radius?.authPort,
    acctPort: node.radius?.acctPort,
  })}\n`,
);
process.on("SIGTERM", () => {
  void node.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
