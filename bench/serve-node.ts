/** A node for the HTTP and S13 benches: a temp chain with one registered device, on ephemeral ports. */
import { rmSync } from "node:fs";
import { runNode } from "../src/node/node.js";
import { loadNodeConfig } from "../src/node/node-config.js";
import { benchDataDir, benchSigner, txBytes } from "./bench-fixtures.js";

const regulator = benchSigner("regulator");
const mfr = benchSigner("manufacturer");
const { dir } = benchDataDir(regulator);
const node = await runNode(loadNodeConfig(dir, { port: 0, s13Port: 0, logLevel: "warn" }));
const steps = [
  txBytes(regulator, 1, "member.admit", {
    id: "mfr",
    role: "manufacturer",
    name: "Bench",
    key: mfr.keyId,
  }),
  txBytes(regulator, 2, "tac.allocate", { manufacturer: "mfr", from: "35693803", to: "35693803" }),
  txBytes(mfr, 1, "device.register", { devices: [{ ids: ["356938035643809"] }] }),
];
for (const bytes of steps) {
  const r = await node.engine.submit(bytes);
  if (r.code !== 0) throw new Error(`setup failed: ${r.codeName}`);
}
process.stdout.write(
  `${JSON.stringify({ port: Number(new URL(node.url).port), s13Port: node.s13Port })}\n`,
);
process.on("SIGTERM", () => {
  void node.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
});
