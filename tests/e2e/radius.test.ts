/**
 * The built-in RADIUS server and the rlm_rest endpoint against a real node (LMDB, embedded
 * engine), with real RADIUS datagrams on loopback from a NAS simulator, and transactions signed
 * and sent through the SDK.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { NodeClient } from "../../src/clients/sdk/node-client.js";
import { sendTx } from "../../src/clients/sdk/tx-builder.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import { pairingHash, pairingSaltOf } from "../../src/core/state/pairing.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { type RunningNode, runNode } from "../../src/node/node.js";
import { loadNodeConfig } from "../../src/node/node-config.js";
import type { CheckObservation } from "../../src/servers/check-observation.js";
import {
  ACCT_STATUS,
  ATTR,
  CODE,
  encodeAccessRequest,
  encodeSignedRequest,
  integerAttr,
  textAttr,
  textAttribute,
} from "../../src/servers/radius/radius-packet.js";
import {
  ACME,
  consortiumSteps,
  POLICE,
  REGULATOR,
  testGenesis,
  testMember,
} from "../support/consortium.js";
import { TEST_CHAIN } from "../support/signers.js";
import { NasSimulator } from "./radius-nas.js";

const regulator = REGULATOR.signer;
const acme = ACME.signer;
const police = POLICE.signer;
const CARRIER = testMember("carrier", "operator");
const carrier = CARRIER.signer;
const SECRET = "nas-sim-secret-1";

// Locally administered MACs (second bit of the first octet set), as IoT test devices use.
const CLEAN = "02-00-5E-10-00-01";
const STOLEN = "02-00-5E-10-00-02";
const ROAMING = [
  "02-00-5E-10-00-03",
  "02-00-5E-10-00-04",
  "02-00-5E-10-00-05",
  "02-00-5E-10-00-06",
];
const UNKNOWN = "02-00-5E-10-00-99";
/** A Wi-Fi module without an IMEI whose identity is cloned: the genuine one and a clone share it. */
const CLONED = "02-00-5E-10-00-07";
/**
 * The genuine subscriber as the regulator pairs it (a SUPI), and as a NAS sends it: the EAP-SIM
 * permanent identity of the same IMSI (TS 23.003 §14.3: "1" + IMSI @ the WLAN realm).
 */
const GENUINE_SUPI = "imsi-001010000000001";
const GENUINE_EAP = "1001010000000001@wlan.mnc001.mcc001.3gppnetwork.org";
const CLONE_USER = "0001010000000002@wlan.mnc001.mcc001.3gppnetwork.org";

describe("built-in RADIUS server and rlm_rest endpoint", () => {
  let node: RunningNode;
  let dir: string;
  let nas: NasSimulator;
  let client: NodeClient;
  const observations: CheckObservation[] = [];
  const tx = (signer: Signer, type: TxType, params: JsonObject) =>
    sendTx(client, signer, type, params, { chain: TEST_CHAIN });
  const metric = async (name: string, labels: string): Promise<number> => {
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
    return line ? Number(line.split(" ").at(-1)) : 0;
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "dc-radius-"));
    writeFileSync(path.join(dir, "genesis.json"), JSON.stringify(testGenesis()));
    // The NAS's CoA port must be known before the node starts: bind it first, then configure it.
    const coaProbe = createSocket("udp4");
    await new Promise<void>((r) => coaProbe.bind(0, "127.0.0.1", r));
    const coaPort = coaProbe.address().port;
    await new Promise<void>((r) => coaProbe.close(r));
    const config = loadNodeConfig(dir, {
      port: 0,
      s13Port: -1,
      blockMaxWaitMs: 5,
      radiusAuthPort: 0,
      radiusAcctPort: 0,
      radiusClients: [{ address: "127.0.0.1", secret: SECRET, name: "nas-sim", coaPort }],
    });
    node = await runNode(config, {
      logger: pino({ level: "silent" }),
      onCheck: (o) => observations.push(o),
    });
    assert.ok(node.radius?.authPort && node.radius.acctPort);
    nas = await NasSimulator.start({
      secret: SECRET,
      server: { authPort: node.radius.authPort, acctPort: node.radius.acctPort },
      coaPort,
    });
    client = new NodeClient(node.url);
    for (const s of consortiumSteps([ACME, POLICE, CARRIER])) {
      assert.equal((await tx(s.signer, s.type, s.params)).code, 0, s.type);
    }
    const r = await tx(acme, "device.register", {
      devices: [CLEAN, STOLEN, ...ROAMING, CLONED].map((mac) => ({ ids: [mac] })),
    });
    assert.equal(r.code, 0);
    await tx(police, "report.file", { device: STOLEN, kind: "stolen", reference: "CASE-1" });
  });

  after(async () => {
    nas?.close();
    await node?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("Access-Request by MAC: clean → Accept, stolen → Reject, unknown → Reject (policy); authenticators verify", async () => {
    const accept = await nas.accessRequest(CLEAN);
    assert.equal(accept.code, CODE.ACCESS_ACCEPT);
    assert.equal(accept.attributes[0]?.type, ATTR.MESSAGE_AUTHENTICATOR);
    // The colon form and a lower-case MAC name the same device.
    const colon = await nas.accessRequest(CLEAN.toLowerCase().replaceAll("-", ":"));
    assert.equal(colon.code, CODE.ACCESS_ACCEPT);
    const reject = await nas.accessRequest(STOLEN);
    assert.equal(reject.code, CODE.ACCESS_REJECT);
    assert.match(textAttribute(reject, ATTR.REPLY_MESSAGE) ?? "", /blocked/);
    const unknown = await nas.accessRequest(UNKNOWN);
    assert.equal(unknown.code, CODE.ACCESS_REJECT);
    assert.match(textAttribute(unknown, ATTR.REPLY_MESSAGE) ?? "", /not registered/);
    const status = await nas.statusServer();
    assert.equal(status.code, CODE.ACCESS_ACCEPT);
    assert.ok(
      observations.some(
        (o) =>
          o.protocol === "radius" &&
          o.identifier === "mac:02005E100002" &&
          o.answer === "BLACKLISTED" &&
          o.network === "nas-sim" &&
          // MAC authentication: the User-Name is the MAC again, so no subscriber.
          o.subscriber === undefined &&
          // Its Message-Authenticator verified: a check that may feed clone detection and tracing.
          o.authenticated,
      ),
      JSON.stringify(observations),
    );
  });

  test("malformed, unauthenticated and foreign datagrams are dropped and counted; the server goes on", async () => {
    const before = {
      malformed: await metric("devicechain_radius_dropped_total", 'reason="malformed"'),
      bad: await metric("devicechain_radius_dropped_total", 'reason="bad_authenticator"'),
      missing: await metric(
        "devicechain_radius_dropped_total",
        'reason="missing_message_authenticator"',
      ),
      foreign: await metric("devicechain_radius_dropped_total", 'reason="unknown_client"'),
    };
    const secret = Buffer.from(SECRET);
    const good = encodeAccessRequest(
      CODE.ACCESS_REQUEST,
      200,
      randomBytes(16),
      [textAttr(ATTR.CALLING_STATION_ID, CLEAN)],
      secret,
    );
    nas.sendRaw(good.subarray(0, 10)); // shorter than a header
    const overrun = Buffer.from(good);
    overrun[21] = 250; // attribute longer than the packet
    nas.sendRaw(overrun);
    // 300 random datagrams: whatever they decode to, none may be answered or crash the server.
    // Paced, so that the kernel's socket buffer drops none of them.
    for (let i = 0; i < 300; i++) {
      nas.sendRaw(randomBytes(1 + (i % 90)));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
    }
    const wrongSecret = encodeAccessRequest(
      CODE.ACCESS_REQUEST,
      201,
      randomBytes(16),
      [textAttr(ATTR.CALLING_STATION_ID, CLEAN)],
      Buffer.from("not the secret"),
    );
    nas.sendRaw(wrongSecret);
    const tampered = Buffer.from(good);
    tampered[tampered.length - 20]! ^= 1; // a flipped bit in the Calling-Station-Id
    nas.sendRaw(tampered);
    // No Message-Authenticator at all: refused (BlastRADIUS), the client requires one.
    const bare = Buffer.from([
      1,
      202,
      0,
      20 + 19,
      ...randomBytes(16),
      31,
      19,
      ...Buffer.from(CLEAN),
    ]);
    nas.sendRaw(bare);
    const badAcct = encodeSignedRequest(
      CODE.ACCOUNTING_REQUEST,
      203,
      [integerAttr(ATTR.ACCT_STATUS_TYPE, 1), textAttr(ATTR.ACCT_SESSION_ID, "x")],
      Buffer.from("not the secret"),
    );
    nas.sendRaw(badAcct, "acct");
    // From an address that is no client (127.0.0.2 is loopback too on Linux).
    const foreign = createSocket("udp4");
    await new Promise<void>((r) => foreign.bind(0, "127.0.0.2", r));
    foreign.send(good, node.radius?.authPort ?? 0, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 300));
    foreign.close();
    // The server still answers, and counted each kind of drop.
    assert.equal((await nas.accessRequest(CLEAN)).code, CODE.ACCESS_ACCEPT);
    assert.ok(
      (await metric("devicechain_radius_dropped_total", 'reason="malformed"')) >=
        before.malformed + 2,
    );
    assert.ok(
      (await metric("devicechain_radius_dropped_total", 'reason="bad_authenticator"')) >=
        before.bad + 3,
    );
    assert.ok(
      (await metric(
        "devicechain_radius_dropped_total",
        'reason="missing_message_authenticator"',
      )) >=
        before.missing + 1,
    );
    assert.equal(
      await metric("devicechain_radius_dropped_total", 'reason="unknown_client"'),
      before.foreign + 1,
    );
    assert.equal(await metric("devicechain_radius_dropped_total", 'reason="internal_error"'), 0);
  });

  test("a session's device is reported stolen: the NAS gets a Disconnect-Request within 1 s of the commit, retransmitted until it ACKs", async () => {
    const [mac] = ROAMING;
    const response = await nas.accounting(ACCT_STATUS.START, "sess-1", mac!);
    assert.equal(response.code, CODE.ACCOUNTING_RESPONSE);
    const seen = nas.received.length;
    nas.coaScript = ["silent"]; // lose the first: the node must send it again
    const r = await tx(police, "report.file", { device: mac!, kind: "stolen", reference: "C-2" });
    const committedAt = performance.now();
    assert.equal(r.code, 0);
    const first = await nas.nextDisconnect(2_000, seen);
    assert.ok(first.at - committedAt < 1_000, `${first.at - committedAt} ms after the commit`);
    assert.equal(first.packet.code, CODE.DISCONNECT_REQUEST);
    assert.ok(first.authentic, "Request Authenticator and Message-Authenticator verify");
    assert.equal(textAttribute(first.packet, ATTR.ACCT_SESSION_ID), "sess-1");
    assert.equal(textAttribute(first.packet, ATTR.CALLING_STATION_ID), mac);
    assert.equal(textAttribute(first.packet, ATTR.NAS_IDENTIFIER), "nas-sim");
    const again = await nas.nextDisconnect(3_000, seen + 1);
    assert.equal(again.packet.identifier, first.packet.identifier, "a retransmission");
    assert.deepEqual(again.packet.raw, first.packet.raw);
    // Once ACKed, the session is gone and nothing more is sent.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await metric("devicechain_radius_disconnects_total", 'result="ack"'), 1);
    assert.ok(
      (await metric("devicechain_radius_disconnects_total", 'result="retransmitted"')) >= 1,
    );
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal(nas.received.length, seen + 2);
  });

  test("a NAK ends the retries; a session stopped before the block gets no Disconnect-Request", async () => {
    const [, nakMac, stoppedMac] = ROAMING;
    await nas.accounting(ACCT_STATUS.START, "sess-2", nakMac!);
    await nas.accounting(ACCT_STATUS.START, "sess-3", stoppedMac!);
    await nas.accounting(ACCT_STATUS.STOP, "sess-3", stoppedMac!);
    const seen = nas.received.length;
    nas.coaScript = ["nak"];
    await tx(police, "report.file", { device: nakMac!, kind: "stolen", reference: "C-3" });
    await tx(police, "report.file", { device: stoppedMac!, kind: "stolen", reference: "C-4" });
    const d = await nas.nextDisconnect(2_000, seen);
    assert.equal(textAttribute(d.packet, ATTR.ACCT_SESSION_ID), "sess-2");
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(nas.received.length, seen + 1, "no retry after the NAK, none for sess-3");
    assert.equal(await metric("devicechain_radius_disconnects_total", 'result="nak"'), 1);
  });

  test("Accounting-Start for a device that is already blocked is disconnected at once", async () => {
    const seen = nas.received.length;
    await nas.accounting(ACCT_STATUS.START, "sess-4", STOLEN);
    const d = await nas.nextDisconnect(1_000, seen);
    assert.equal(textAttribute(d.packet, ATTR.ACCT_SESSION_ID), "sess-4");
  });

  test("rlm_rest authorize: 200 control:Auth-Type Accept, 401 for blocked and unknown, 404 without a MAC", async () => {
    const authorize = (body: unknown) =>
      fetch(`${node.url}/radius/v1/authorize`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    // The body rlm_rest sends with body = 'json'.
    const rlm = (mac: string) => ({
      "User-Name": { type: "string", value: [mac] },
      "Calling-Station-Id": { type: "string", value: [mac] },
      "NAS-Identifier": { type: "string", value: ["hotspot-7"] },
    });
    const ok = await authorize(rlm(CLEAN));
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(((await ok.json()) as Record<string, unknown>)["control:Auth-Type"], "Accept");
    const blocked = await authorize(rlm(STOLEN));
    assert.equal(blocked.status, 401);
    assert.match(
      String(((await blocked.json()) as Record<string, unknown>)["reply:Reply-Message"]),
      /blocked/,
    );
    assert.equal((await authorize(rlm(UNKNOWN))).status, 401);
    assert.equal((await authorize({ "User-Name": { value: ["alice"] } })).status, 404);
    const get = await fetch(
      `${node.url}/radius/v1/authorize?calling-station-id=${CLEAN.toLowerCase()}`,
    );
    assert.equal(get.status, 200);
    assert.ok(
      observations.some(
        (o) => o.protocol === "rlm_rest" && o.network === "hotspot-7" && o.answer === "BLACKLISTED",
      ),
    );
    // This node has no rlmRestTokenFile: anyone could have asked, so nothing it answered on
    // rlm_rest may feed clone detection or tracing (tests/e2e/abuse-observations.test.ts).
    assert.ok(observations.filter((o) => o.protocol === "rlm_rest").every((o) => !o.authenticated));
  });

  test("a cloned MAC with a genuine pairing: its subscriber is accepted and the clone rejected, over RADIUS and rlm_rest; the clone's session is disconnected", async () => {
    const authorize = async (mac: string, userName: string) => {
      const res = await fetch(`${node.url}/radius/v1/authorize`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          "User-Name": { type: "string", value: [userName] },
          "Calling-Station-Id": { type: "string", value: [mac] },
          "NAS-Identifier": { type: "string", value: ["hotspot-9"] },
        }),
        signal: AbortSignal.timeout(5_000),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const r = await tx(carrier, "clone.suspect", {
      device: CLONED,
      rule: "alternating-subscribers",
      evidence: "ab".repeat(32),
    });
    assert.equal(r.code, 0);
    // Suspected, not yet resolved: GREYLISTED, which RADIUS lets through for everyone.
    for (const userName of [GENUINE_EAP, CLONE_USER, CLONED]) {
      const a = await nas.accessRequest(CLONED, { userName });
      assert.equal(a.code, CODE.ACCESS_ACCEPT, userName);
      assert.equal((await authorize(CLONED, userName)).status, 200, userName);
    }
    // Both are online when the regulator resolves the case.
    await nas.accounting(ACCT_STATUS.START, "sess-genuine", CLONED, { userName: GENUINE_EAP });
    await nas.accounting(ACCT_STATUS.START, "sess-clone", CLONED, { userName: CLONE_USER });
    const seen = nas.received.length;
    const salt = pairingSaltOf({ chainId: TEST_CHAIN, activeRegulators: 1 });
    const paired = await tx(regulator, "pairing.add", {
      device: CLONED,
      hash: pairingHash(salt, "mac:02005E100007", GENUINE_SUPI),
    });
    assert.equal(paired.code, 0);
    // The pairing blocks the clone's subscriber: its session is ended, the genuine one's is not.
    const d = await nas.nextDisconnect(2_000, seen);
    assert.equal(textAttribute(d.packet, ATTR.ACCT_SESSION_ID), "sess-clone");
    assert.equal(textAttribute(d.packet, ATTR.USER_NAME), CLONE_USER);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.equal(nas.received.length, seen + 1, "no Disconnect-Request for the genuine session");

    // The genuine subscriber, in any form that normalises to the paired SUPI, is accepted.
    for (const userName of [GENUINE_EAP, "001010000000001"]) {
      assert.equal((await nas.accessRequest(CLONED, { userName })).code, CODE.ACCESS_ACCEPT);
      const ok = await authorize(CLONED, userName);
      assert.equal(ok.status, 200, userName);
      assert.equal(ok.body["control:Auth-Type"], "Accept");
    }
    // Any other subscriber is the clone: rejected as blocked.
    for (const userName of [CLONE_USER, "alice@hotspot.example"]) {
      const reject = await nas.accessRequest(CLONED, { userName });
      assert.equal(reject.code, CODE.ACCESS_REJECT, userName);
      assert.match(textAttribute(reject, ATTR.REPLY_MESSAGE) ?? "", /blocked/);
      const refused = await authorize(CLONED, userName);
      assert.equal(refused.status, 401, userName);
      assert.match(String(refused.body["reply:Reply-Message"]), /blocked/);
    }
    // The query-string form rlm_rest uses with GET carries the User-Name too.
    const query = (userName: string) =>
      fetch(
        `${node.url}/radius/v1/authorize?calling-station-id=${CLONED}&user-name=${encodeURIComponent(userName)}`,
        { signal: AbortSignal.timeout(5_000) },
      ).then((res) => res.status);
    assert.equal(await query(GENUINE_EAP), 200);
    assert.equal(await query(CLONE_USER), 401);
    // MAC authentication names no subscriber: the device's own status, GREYLISTED, is accepted.
    assert.equal((await nas.accessRequest(CLONED)).code, CODE.ACCESS_ACCEPT);
    assert.equal((await authorize(CLONED, CLONED)).status, 200);

    // Tracing sees the subscriber each check was answered for.
    const of = (via: string, subscriber: string) =>
      observations.filter(
        (o) =>
          o.protocol === via && o.identifier === "mac:02005E100007" && o.subscriber === subscriber,
      );
    for (const via of ["radius", "rlm_rest"]) {
      assert.ok(
        of(via, GENUINE_EAP).some((o) => o.answer === "WHITELISTED"),
        via,
      );
      assert.ok(
        of(via, CLONE_USER).some((o) => o.answer === "BLACKLISTED"),
        via,
      );
    }
  });
});

test("radiusClients with a bad entry is a coded configuration error naming it", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-radius-config-"));
  try {
    writeFileSync(
      path.join(dir, "config.json"),
      JSON.stringify({ radiusClients: [{ address: "10.0.0.1", secret: "" }] }),
    );
    assert.throws(
      () => loadNodeConfig(dir),
      (e: { code?: string; message?: string }) =>
        e.code === "CONFIG_INVALID" && /radiusClients.*entry 0: secret/.test(e.message ?? ""),
    );
    writeFileSync(
      path.join(dir, "config.json"),
      JSON.stringify({ radiusClients: [{ address: "nas.example", secret: "s" }] }),
    );
    assert.throws(() => loadNodeConfig(dir), /entry 0: address must be an IPv4 or IPv6 address/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
