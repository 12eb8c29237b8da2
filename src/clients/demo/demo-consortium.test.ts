import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { parseGenesis } from "../../core/machine/genesis.js";
import { findDevice } from "../../core/state/device.js";
import { deviceState } from "../../core/state/device-state.js";
import { DEVICE_PREFIX } from "../../core/state/keys.js";
import { readKeyFile } from "../../node/key-file.js";
import { runNode } from "../../node/node.js";
import { loadNodeConfig } from "../../node/node-config.js";
import {
  DEMO_BULK_DEVICES,
  DEMO_CHAIN_ID,
  demoSigner,
  prepareDemoDataDir,
  seedDemo,
} from "./demo-consortium.js";

const log = pino({ level: "silent" });

test("the demo data dir: well-known keys, a regulator-only genesis, dev config", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-demo-"));
  try {
    assert.deepEqual(prepareDemoDataDir(dir), { created: true });
    const alice = path.join(dir, "keys", "alice.key");
    assert.equal(statSync(alice).mode & 0o777, 0o600);
    assert.equal(readKeyFile(alice).keyId, demoSigner("alice").keyId);
    const genesis = parseGenesis(JSON.parse(readFileSync(path.join(dir, "genesis.json"), "utf8")));
    assert.equal(genesis.chainId, DEMO_CHAIN_ID);
    assert.deepEqual(
      genesis.members.map((m) => m.id),
      ["regulator"],
    );
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")), {
      dev: true,
    });
    assert.deepEqual(prepareDemoDataDir(dir), { created: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("seeding registers the demo devices once; a second seed adds nothing", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-demo-"));
  try {
    prepareDemoDataDir(dir);
    assert.ok(existsSync(path.join(dir, "genesis.json")));
    // The node seeds a dev chain before its API listens, as `devicechain start --dev` does.
    const config = loadNodeConfig(dir, { port: 0, s13Port: -1, blockMaxWaitMs: 5 });
    const node = await runNode(config, { logger: log, seedDemo });
    const { app, engine } = node;
    try {
      const height = app.info().lastBlockHeight;
      assert.ok(height > 0);
      const stolen = findDevice(app.store, "imei:49015420323751");
      assert.equal(stolen && deviceState(stolen), "stolen");
      const clean = findDevice(app.store, "imei:35693803564380");
      assert.equal(clean && deviceState(clean), "active");
      let count = 0;
      for (const _ of app.store.scan(DEVICE_PREFIX)) count++;
      assert.ok(count >= DEMO_BULK_DEVICES, `${count} devices`);
      await seedDemo(engine, log);
      assert.equal(app.info().lastBlockHeight, height);
    } finally {
      await node.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
