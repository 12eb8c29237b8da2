/**
 * RADIUS against peers we did not write (Debian's FreeRADIUS 3.2 packages):
 * - a real FreeRADIUS server, from a temporary raddb built around the snippets that
 *   `devicechain radius freeradius-config` prints, asks a dev node through rlm_rest; radclient
 *   plays the NAS. A registered IoT MAC gets Access-Accept; once its stolen report commits, the
 *   same request gets Access-Reject within 2 s. The node has an rlmRestTokenFile and FreeRADIUS
 *   sends its token as the printed configuration says, so its checks are authenticated.
 * - radclient talks to the node's built-in RADIUS server directly: it checks our Response
 *   Authenticators and Message-Authenticators with its own code.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { DEMO_CHAIN_ID, demoSigner } from "../../src/clients/demo/demo-consortium.js";
import { NodeClient } from "../../src/clients/sdk/node-client.js";
import { sendTx } from "../../src/clients/sdk/tx-builder.js";
import { pairingHash, pairingSaltOf } from "../../src/core/state/pairing.js";
import { freePort, requireProgram, root } from "./dev-node.js";

const FREERADIUS_SECRET = "testing123";
const NODE_SECRET = "node-radius-secret";
/** The node's rlm_rest bearer token, as `openssl rand -hex 32` would make one. */
const RLM_REST_TOKEN = "5c".repeat(32);
/** A demo IoT device (bulk device 7): registered, never sold, clean. */
const IOT_MAC = "02-DC-00-00-00-07";
/** The demo's stolen phone's Wi-Fi MAC. */
const STOLEN_MAC = "02-DC-49-01-54-20";
const CLEAN_MAC = "02-DC-00-00-00-6B"; // bulk device 107
/** Bulk device 207: a demo phone (IMEI 35000000000207x) with this Wi-Fi MAC; cloned in a test. */
const CLONED_MAC = "02-DC-00-00-00-CF";
const CLONED_PRIMARY_KEY = "imei:35000000000207";

let dir = "";
let node: ChildProcess | undefined;
let freeradius: ChildProcess | undefined;
let freeradiusLog = "";
let apiPort = 0;
let frPort = 0;
let authPort = 0;
let acctPort = 0;

/** One radclient exchange; its stdout (which names the answer) and exit code. */
function radclient(
  port: number,
  kind: "auth" | "acct" | "status",
  attributes: string,
  secret: string,
): string {
  const r = spawnSync(
    "radclient",
    ["-x", "-t", "2", "-r", "1", `127.0.0.1:${port}`, kind, secret],
    { input: attributes, encoding: "utf8", timeout: 10_000 },
  );
  return `${r.stdout}${r.stderr}`;
}

/** MAC authentication (the User-Name is the MAC), or the given User-Name (EAP, user@realm). */
const accessRequest = (port: number, mac: string, secret: string, userName = mac): string =>
  radclient(
    port,
    "auth",
    `User-Name = "${userName}", Calling-Station-Id = "${mac}", NAS-Identifier = "hotspot-1", Message-Authenticator = 0x00`,
    secret,
  );

function raddb(moduleText: string, authorize: string): void {
  const conf = `prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = ${dir}
sbindir = /usr/sbin
logdir = ${dir}
raddbdir = ${dir}/raddb
radacctdir = ${dir}
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}/mods-config
certdir = \${confdir}
cadir = \${confdir}
run_dir = ${dir}
db_dir = ${dir}
libdir = /usr/lib/freeradius
pidfile = ${dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
	destination = stdout
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}
thread pool {
	start_servers = 2
	max_servers = 4
	min_spare_servers = 1
	max_spare_servers = 2
	max_requests_per_server = 0
}
client nas {
	ipaddr = 127.0.0.1
	secret = ${FREERADIUS_SECRET}
}
modules {
	$INCLUDE mods-enabled/
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${frPort}
	}
	authorize {
		$INCLUDE authorize.conf
	}
	authenticate {
	}
}
`;
  mkdirSync(path.join(dir, "raddb", "mods-enabled"), { recursive: true });
  writeFileSync(path.join(dir, "raddb", "radiusd.conf"), conf);
  writeFileSync(path.join(dir, "raddb", "mods-enabled", "devicechain"), moduleText);
  writeFileSync(path.join(dir, "raddb", "authorize.conf"), authorize);
}

async function waitFor(what: string, ms: number, ready: () => Promise<boolean> | boolean) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} not ready within ${ms / 1000} s`);
}

before(async () => {
  requireProgram("freeradius", ["-v"], "apt-get install freeradius freeradius-rest");
  requireProgram("radclient", ["-v"], "apt-get install freeradius-utils");
  dir = mkdtempSync(path.join(tmpdir(), "dc-freeradius-"));
  [apiPort, frPort, authPort, acctPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const data = path.join(dir, "data");
  mkdirSync(data);
  writeFileSync(
    path.join(data, "config.json"),
    JSON.stringify({
      dev: true,
      radiusAuthPort: authPort,
      radiusAcctPort: acctPort,
      radiusClients: [{ address: "127.0.0.1", secret: NODE_SECRET, name: "radclient" }],
      rlmRestTokenFile: "rlm-rest.token",
    }),
  );
  writeFileSync(
    path.join(data, "rlm-rest.token"),
    `${RLM_REST_TOKEN}
`,
    { mode: 0o600 },
  );
  const bin = path.join(root, "bin/devicechain.js");
  node = spawn(
    process.execPath,
    [bin, "start", "--dev", "--data", data, "--port", String(apiPort), "--s13-port", "-1"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const status = `http://127.0.0.1:${apiPort}/n5g-eir-eic/v1/equipment-status?pei=mac-${STOLEN_MAC}`;
  await waitFor("the dev node", 120_000, async () => {
    const r = await fetch(status).catch(() => undefined);
    return r?.ok === true && ((await r.json()) as { status?: string }).status === "BLACKLISTED";
  });
  const printed = JSON.parse(
    execFileSync(
      process.execPath,
      [
        bin,
        "radius",
        "freeradius-config",
        "--json",
        "--node",
        `http://127.0.0.1:${apiPort}`,
        "--token-file",
        path.join(data, "rlm-rest.token"),
      ],
      { encoding: "utf8" },
    ),
  ) as { module: string; authorize: string };
  raddb(printed.module, printed.authorize);
  freeradius = spawn("freeradius", ["-X", "-d", path.join(dir, "raddb")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  freeradius.stdout?.on("data", (d: Buffer) => {
    freeradiusLog += d.toString();
  });
  freeradius.stderr?.on("data", (d: Buffer) => {
    freeradiusLog += d.toString();
  });
  await waitFor("freeradius", 20_000, () => {
    if (freeradius?.exitCode !== null) assert.fail(`freeradius exited:\n${freeradiusLog}`);
    return freeradiusLog.includes("Ready to process requests");
  });
});

after(() => {
  freeradius?.kill("SIGTERM");
  node?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("FreeRADIUS with rlm_rest: a registered IoT MAC gets Access-Accept; after its stolen report commits, Access-Reject within 2 s", async () => {
  const accepted = accessRequest(frPort, IOT_MAC, FREERADIUS_SECRET);
  assert.match(accepted, /Received Access-Accept/, `${accepted}\n${freeradiusLog.slice(-3000)}`);
  const client = new NodeClient(`http://127.0.0.1:${apiPort}`);
  const r = await sendTx(client, demoSigner("police"), "report.file", {
    device: IOT_MAC,
    kind: "stolen",
    reference: "CASE-IOT-7",
  });
  const committed = Date.now();
  assert.equal(r.code, 0);
  let answer = "";
  while (Date.now() - committed < 2_000) {
    answer = accessRequest(frPort, IOT_MAC, FREERADIUS_SECRET);
    if (/Received Access-Reject/.test(answer)) break;
  }
  assert.match(answer, /Received Access-Reject/, answer);
  assert.ok(Date.now() - committed <= 2_000, `${Date.now() - committed} ms after the commit`);
  assert.match(answer, /Reply-Message = "devicechain: 02-DC-00-00-00-07 is blocked"/);
  // FreeRADIUS sent the token, so its checks were authenticated (they may feed clone detection
  // and tracing); a client without it is refused.
  const metrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
  const authenticated = metrics
    .split("\n")
    .find((l) =>
      l.startsWith('devicechain_checks_observed_total{protocol="rlm_rest",authenticated="true"} '),
    );
  assert.ok(Number(authenticated?.split(" ").at(-1)) >= 2, metrics);
  assert.ok(!metrics.includes('protocol="rlm_rest",authenticated="false"'), metrics);
  const anonymous = await fetch(
    `http://127.0.0.1:${apiPort}/radius/v1/authorize?calling-station-id=${CLEAN_MAC}`,
  );
  assert.equal(anonymous.status, 401);
});

test("FreeRADIUS with rlm_rest: for a cloned MAC with a genuine pairing, the paired User-Name gets Access-Accept and another Access-Reject", async () => {
  const client = new NodeClient(`http://127.0.0.1:${apiPort}`);
  const suspected = await sendTx(client, demoSigner("operator-a"), "clone.suspect", {
    device: CLONED_MAC,
    rule: "alternating-subscribers",
    evidence: "cd".repeat(32),
  });
  assert.equal(suspected.code, 0);
  // The demo genesis names no pairing salt: the chain id's public default.
  const salt = pairingSaltOf({ chainId: DEMO_CHAIN_ID, activeRegulators: 1 });
  const paired = await sendTx(client, demoSigner("regulator"), "pairing.add", {
    device: CLONED_MAC,
    hash: pairingHash(salt, CLONED_PRIMARY_KEY, "imsi-001010000000001"),
  });
  assert.equal(paired.code, 0);
  // EAP-SIM permanent identities (TS 23.003 §14.3) as a hotspot with SIM authentication sends
  // them: FreeRADIUS passes the User-Name to the node in rlm_rest's JSON body.
  const genuine = accessRequest(
    frPort,
    CLONED_MAC,
    FREERADIUS_SECRET,
    "1001010000000001@wlan.mnc001.mcc001.3gppnetwork.org",
  );
  assert.match(genuine, /Received Access-Accept/, `${genuine}\n${freeradiusLog.slice(-3000)}`);
  const clone = accessRequest(
    frPort,
    CLONED_MAC,
    FREERADIUS_SECRET,
    "1001010000000002@wlan.mnc001.mcc001.3gppnetwork.org",
  );
  assert.match(clone, /Received Access-Reject/, clone);
  assert.match(clone, /Reply-Message = "devicechain: 02-DC-00-00-00-CF is blocked"/);
  // MAC authentication carries no subscriber: the device's own answer, GREYLISTED, is accepted.
  assert.match(accessRequest(frPort, CLONED_MAC, FREERADIUS_SECRET), /Received Access-Accept/);
});

test("radclient against the built-in server: Accept, Reject, Status-Server and Accounting, authenticators verified by radclient", () => {
  const clean = accessRequest(authPort, CLEAN_MAC, NODE_SECRET);
  assert.match(clean, /Received Access-Accept/, clean);
  assert.match(clean, /Message-Authenticator = 0x[0-9a-f]{32}/);
  const stolen = accessRequest(
    authPort,
    STOLEN_MAC.toLowerCase().replaceAll("-", ":"),
    NODE_SECRET,
  );
  assert.match(stolen, /Received Access-Reject/, stolen);
  const status = radclient(authPort, "status", "Message-Authenticator = 0x00", NODE_SECRET);
  assert.match(status, /Received Access-Accept/, status);
  const start = radclient(
    acctPort,
    "acct",
    `Acct-Status-Type = Start, Acct-Session-Id = "rc-1", User-Name = "${CLEAN_MAC}", Calling-Station-Id = "${CLEAN_MAC}", NAS-IP-Address = 127.0.0.1`,
    NODE_SECRET,
  );
  assert.match(start, /Received Accounting-Response/, start);
  // The wrong secret: radclient hears nothing back (the node drops it) and says so.
  const wrong = accessRequest(authPort, CLEAN_MAC, "not-the-secret");
  assert.doesNotMatch(wrong, /Received Access-/, wrong);
});
