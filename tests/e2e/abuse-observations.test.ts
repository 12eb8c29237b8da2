/**
 * Only authenticated network elements can move the ledger. A node with cloneReportKeyFile signs
 * clone.suspect when its rules fire, so whoever can feed its rules can greylist a phone on every
 * node. These tests attack real nodes over real sockets on loopback with the checks that make the
 * rules fire: N5g-eir GETs of one IMEI with alternating supi, rlm_rest requests of one MAC with
 * alternating User-Names, S13 checks of one IMEI from networks of two countries, and checks of a
 * stolen phone (tracing). From unauthenticated peers they are answered, counted and logged, and
 * nothing else happens: no clone.suspect, no block, the same app hash, the device WHITELISTED, no
 * tracing alert. From authenticated peers (an NRF token, an allow-listed Diameter peer, the
 * rlm_rest token) the same checks fire the rules and alert the reporter.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { sha256 } from "../../src/core/crypto/hash.js";
import { toBase64Url, utf8 } from "../../src/core/encoding/bytes.js";
import { canonicalBytes, type JsonObject } from "../../src/core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { writeKeyFile } from "../../src/node/key-file.js";
import { runNode } from "../../src/node/node.js";
import { loadNodeConfig, type NodeSettings } from "../../src/node/node-config.js";
import { EQUIPMENT_STATUS } from "../../src/servers/s13/diameter-avps.js";
import { RESULT } from "../../src/servers/s13/diameter-message.js";
import { assertUnharmed, fingerprint } from "../support/abuse.js";
import { type NrfTokens, nrfTokens } from "../support/nrf-token.js";
import {
  capabilitiesExchangeRequest,
  diameterExchange,
  identityCheckRequest,
  resultCodeOf,
  s13Check,
} from "../support/s13-check.js";
import {
  E2E_CHAIN,
  type E2eNode,
  e2eSigner,
  http,
  post,
  signed,
  startE2eNode,
} from "./e2e-node.js";

const regulator = e2eSigner("regulator");
const acme = e2eSigner("acme");
const police = e2eSigner("police");
const OPERATOR_SEED = sha256(utf8("e2e:operator"));
const operator = e2eSigner("operator");

const imei = (d14: string): string => d14 + String(luhnCheckDigit(d14));
/** One device per attack, so that each rule has only its own protocol's checks to go on. */
const SBI_D14 = "35693803000101";
const S13_D14 = "35693803000102";
const STOLEN_D14 = "35693803000103";
const MAC = "02-00-5E-20-00-01";
const A = "001010000000001";
const B = "001010000000002";
/** EPC realms of networks in two countries (MCC 001 and 208): impossible-travel's trigger. */
const HOME = "epc.mnc001.mcc001.3gppnetwork.org";
const ABROAD = "epc.mnc010.mcc208.3gppnetwork.org";
const RLM_TOKEN = "3f".repeat(32);

/** A webhook receiver for the reporter's tracing alerts. */
class Receiver {
  readonly got: Record<string, unknown>[] = [];
  url = "";
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.got.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  alerts(): Record<string, unknown>[] {
    return this.got.filter((e) => e.type === "tracing.alert");
  }
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A node with cloneReportKeyFile (the operator's key), the devices registered and one of them
 * reported stolen by the police, whose webhook takes tracing alerts.
 */
async function operatorNode(
  keys: string,
  hook: Receiver,
  settings: Partial<NodeSettings>,
): Promise<E2eNode> {
  const n = await startE2eNode({
    cloneReportKeyFile: path.join(keys, "operator.key"),
    // The police's webhook receiver listens on loopback, which nodes refuse unless listed.
    webhookAllowedHosts: ["127.0.0.1"],
    ...settings,
  });
  const nonces = new Map<string, number>();
  const submit = async (signer: Signer, type: TxType, params: JsonObject) => {
    const nonce = (nonces.get(signer.keyId) ?? 0) + 1;
    const r = await post(n.url, signed(signer, nonce, type, params));
    assert.equal(r.body.code, 0, JSON.stringify(r.body));
    nonces.set(signer.keyId, nonce);
  };
  for (const [id, role, signer] of [
    ["acme", "manufacturer", acme],
    ["police", "law_enforcement", police],
    ["operator", "operator", operator],
  ] as const) {
    await submit(regulator, "member.admit", { id, role, name: id, key: signer.keyId });
  }
  await submit(regulator, "tac.allocate", {
    manufacturer: "acme",
    from: "35693803",
    to: "35693803",
  });
  await submit(acme, "device.register", {
    devices: [SBI_D14, S13_D14, STOLEN_D14]
      .map((d) => ({ ids: [imei(d)] }))
      .concat([{ ids: [MAC] }]),
  });
  await submit(police, "report.file", {
    device: imei(STOLEN_D14),
    kind: "stolen",
    reference: "CASE-1",
  });
  const request = {
    chain: E2E_CHAIN,
    key: police.keyId,
    time: Date.now(),
    url: hook.url,
    types: ["tracing.alert"],
  };
  const sig = toBase64Url(police.sign(canonicalBytes(request)));
  const r = await http(`${n.url}/v1/webhooks`, {
    method: "POST",
    body: JSON.stringify({ request, sig }),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return n;
}

const statusOf = async (n: E2eNode, device: string) =>
  (await http(`${n.url}/v1/devices/${device}`)).body.equipmentStatus;

const metric = async (n: E2eNode, series: string): Promise<number> => {
  const text = String((await http(`${n.url}/metrics`)).body.text);
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

const eirPath = (d14: string, supi: string) =>
  `/n5g-eir-eic/v1/equipment-status?pei=imei-${imei(d14)}&supi=imsi-${supi}`;

/** rlm_rest's JSON body (body = 'json') for a MAC and a User-Name. */
const rlmBody = (userName: string) =>
  JSON.stringify({
    "User-Name": { type: "string", value: [userName] },
    "Calling-Station-Id": { type: "string", value: [MAC] },
    "NAS-Identifier": { type: "string", value: ["hotspot-1"] },
  });

let keys: string;
let nrf: NrfTokens;

before(() => {
  keys = mkdtempSync(path.join(tmpdir(), "dc-abuse-obs-"));
  writeKeyFile(path.join(keys, "operator.key"), OPERATOR_SEED);
  nrf = nrfTokens(keys);
  writeFileSync(path.join(keys, "rlm-rest.token"), `${RLM_TOKEN}\n`);
});
after(() => rmSync(keys, { recursive: true, force: true }));

describe("a node without peer authentication: checks are answered and never move the ledger", () => {
  let n: E2eNode;
  const hook = new Receiver();
  before(async () => {
    await hook.listen();
    n = await operatorNode(keys, hook, {});
  });
  after(async () => {
    await n?.stop();
    await hook.close();
  });

  test("alternating supi on N5g-eir, alternating User-Names on rlm_rest, two countries on S13 and a stolen phone: answered, counted, no clone.suspect, no alert", async () => {
    const before = await fingerprint(n);
    const s13Port = n.node.s13Port ?? 0;
    for (const supi of [A, B, A, B, A]) {
      const r = await http(n.url + eirPath(SBI_D14, supi));
      assert.deepEqual(r.body, { status: "WHITELISTED" });
    }
    for (const userName of [A, B, A, B]) {
      const r = await http(`${n.url}/radius/v1/authorize`, {
        method: "POST",
        body: rlmBody(userName),
      });
      assert.equal(r.status, 200);
    }
    for (const realm of [HOME, ABROAD, HOME]) {
      const s = await s13Check({ port: s13Port, imei: S13_D14, imsi: A, originRealm: realm });
      assert.equal(s, EQUIPMENT_STATUS.WHITELISTED);
    }
    // The same with a CER first: with no diameterPeers listed, a CER proves nothing either.
    const s = await s13Check({
      port: s13Port,
      imei: S13_D14,
      imsi: B,
      originRealm: ABROAD,
      cer: true,
    });
    assert.equal(s, EQUIPMENT_STATUS.WHITELISTED);
    const stolen = await http(n.url + eirPath(STOLEN_D14, A));
    assert.deepEqual(stolen.body, { status: "BLACKLISTED" });

    // Give a detector and a webhook time they would need: a block takes ~5 ms here.
    await pause(700);
    assertUnharmed(before, await fingerprint(n));
    for (const d of [imei(SBI_D14), imei(S13_D14), MAC]) {
      assert.equal(await statusOf(n, d), "WHITELISTED", d);
    }
    assert.deepEqual(hook.alerts(), [], "no tracing alert");
    assert.deepEqual(readdirSync(path.join(n.dir, "observations", "evidence")), [], "no finding");
    // Still counted, as unauthenticated.
    for (const protocol of ["n5g-eir", "rlm_rest", "s13"]) {
      const series = `devicechain_checks_observed_total{protocol="${protocol}",authenticated="false"}`;
      assert.ok((await metric(n, series)) >= 3, series);
    }
  });
});

describe("a node that authenticates its peers", () => {
  let n: E2eNode;
  let s13Port: number;
  let token: string;
  const hook = new Receiver();
  const listed = [
    { host: `mme.${HOME}`, realm: HOME, address: "127.0.0.1" },
    { host: `mme.${ABROAD}`, realm: ABROAD },
    { host: "mme.pinned.test", realm: "pinned.test", address: "127.0.0.9" },
  ];
  before(async () => {
    await hook.listen();
    n = await operatorNode(keys, hook, {
      oauth2: true,
      oauth2PublicKeyFile: nrf.publicKeyFile,
      diameterPeers: listed,
      rlmRestTokenFile: path.join(keys, "rlm-rest.token"),
    });
    s13Port = n.node.s13Port ?? 0;
    token = nrf.token();
  });
  after(async () => {
    await n?.stop();
    await hook.close();
  });

  test("unauthenticated peers are refused: no token (401), no rlm_rest token (401), an unlisted Diameter peer (3010 at CER, then closed)", async () => {
    const before = await fingerprint(n);
    for (const supi of [A, B, A]) {
      assert.equal((await http(n.url + eirPath(SBI_D14, supi))).status, 401);
      const forged = await http(n.url + eirPath(SBI_D14, supi), {
        headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
      });
      assert.equal(forged.status, 401);
    }
    for (const [userName, authorization] of [
      [A, undefined],
      [B, `Bearer ${"00".repeat(32)}`],
      [A, `Basic ${RLM_TOKEN}`],
      [B, `Bearer ${RLM_TOKEN}x`],
    ] as const) {
      const r = await http(`${n.url}/radius/v1/authorize`, {
        method: "POST",
        body: rlmBody(userName),
        headers: {
          "content-type": "application/json",
          ...(authorization === undefined ? {} : { authorization }),
        },
      });
      assert.equal(r.status, 401);
      assert.match(String(r.body["reply:Reply-Message"]), /token/);
    }
    // An unlisted peer's CER gets DIAMETER_UNKNOWN_PEER and the connection is closed.
    const unlisted = await diameterExchange(s13Port, [
      capabilitiesExchangeRequest("mme.rogue.test", "rogue.test"),
      identityCheckRequest({ port: s13Port, imei: S13_D14, imsi: A, originRealm: "rogue.test" }),
    ]);
    assert.equal(resultCodeOf(unlisted.answers[0]), RESULT.UNKNOWN_PEER);
    assert.equal(unlisted.answers.length, 1, "nothing answered after the refusal");
    assert.equal(unlisted.closed, true);
    // A listed name from another address than the one it is pinned to is not that peer, nor is
    // a listed host in another realm.
    for (const [host, realm] of [
      ["mme.pinned.test", "pinned.test"],
      [`mme.${HOME}`, ABROAD],
    ] as const) {
      const borrowed = await diameterExchange(s13Port, [capabilitiesExchangeRequest(host, realm)]);
      assert.equal(resultCodeOf(borrowed.answers[0]), RESULT.UNKNOWN_PEER, host);
      assert.equal(borrowed.closed, true);
    }
    // An ECR without a CER, even one naming a listed peer, is refused the same way.
    const noCer = await diameterExchange(s13Port, [
      identityCheckRequest({ port: s13Port, imei: S13_D14, imsi: A, originRealm: HOME }),
    ]);
    assert.equal(resultCodeOf(noCer.answers[0]), RESULT.UNKNOWN_PEER);
    assert.equal(noCer.closed, true);
    // On a listed peer's connection, a request whose own origin is unlisted is refused alone.
    const relayed = await diameterExchange(s13Port, [
      capabilitiesExchangeRequest(`mme.${HOME}`, HOME),
      identityCheckRequest({ port: s13Port, imei: S13_D14, imsi: B, originRealm: "rogue.test" }),
      identityCheckRequest({ port: s13Port, imei: S13_D14, imsi: A, originRealm: HOME }),
    ]);
    assert.deepEqual(
      relayed.answers.map((m) => resultCodeOf(m)),
      [RESULT.SUCCESS, RESULT.UNKNOWN_PEER, RESULT.SUCCESS],
    );
    assert.equal(relayed.closed, false);

    await pause(700);
    assertUnharmed(before, await fingerprint(n));
    for (const d of [imei(SBI_D14), imei(S13_D14), MAC]) {
      assert.equal(await statusOf(n, d), "WHITELISTED", d);
    }
    assert.deepEqual(hook.alerts(), []);
  });

  test("the same checks from authenticated peers fire the rules: clone.suspect for each device, and a tracing alert for the stolen phone", async () => {
    const bearer = { authorization: `Bearer ${token}` };
    for (const supi of [A, B, A]) {
      const r = await http(n.url + eirPath(SBI_D14, supi), { headers: bearer });
      assert.deepEqual(r.body, { status: "WHITELISTED" });
    }
    for (const userName of [A, B, A]) {
      const r = await http(`${n.url}/radius/v1/authorize`, {
        method: "POST",
        body: rlmBody(userName),
        headers: { "content-type": "application/json", authorization: `Bearer ${RLM_TOKEN}` },
      });
      assert.equal(r.status, 200);
    }
    assert.equal(
      await s13Check({ port: s13Port, imei: S13_D14, imsi: A, originRealm: HOME, cer: true }),
      EQUIPMENT_STATUS.WHITELISTED,
    );
    assert.equal(
      await s13Check({ port: s13Port, imei: S13_D14, imsi: A, originRealm: ABROAD, cer: true }),
      EQUIPMENT_STATUS.WHITELISTED,
    );
    const rules = new Map<string, string>([
      [imei(SBI_D14), "alternating-subscribers"],
      [MAC, "alternating-subscribers"],
      [imei(S13_D14), "impossible-travel"],
    ]);
    for (const [device, rule] of rules) {
      await waitFor(
        `${device} greylisted`,
        async () => (await statusOf(n, device)) === "GREYLISTED",
      );
      const view = await http(`${n.url}/v1/devices/${device}`);
      assert.deepEqual(
        (view.body.suspicions as { by: string; rule: string }[]).map((s) => [s.by, s.rule]),
        [["operator", rule]],
        device,
      );
    }
    // The stolen phone seen through an authenticated AMF: its reporter is told.
    const r = await http(n.url + eirPath(STOLEN_D14, A), { headers: bearer });
    assert.deepEqual(r.body, { status: "BLACKLISTED" });
    await waitFor("a tracing alert", async () => hook.alerts().length > 0);
    const [alert] = hook.alerts();
    assert.equal(alert?.protocol, "n5g-eir");
    assert.match(String(alert?.device), new RegExp(STOLEN_D14));
    const series = 'devicechain_checks_observed_total{protocol="s13",authenticated="true"}';
    assert.ok((await metric(n, series)) >= 2, series);
  });
});

test("a node on a non-loopback host warns at start, once per interface it serves unauthenticated", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  const dir = mkdtempSync(path.join(tmpdir(), "dc-abuse-warn-"));
  try {
    writeFileSync(
      path.join(dir, "genesis.json"),
      JSON.stringify({
        chainId: E2E_CHAIN,
        genesisTime: "2026-01-01T00:00:00Z",
        members: [{ id: "regulator", role: "regulator", name: "R", key: regulator.keyId }],
      }),
    );
    // Bound on every interface for the few milliseconds it takes to start and stop.
    const config = loadNodeConfig(dir, { host: "0.0.0.0", port: 0, s13Port: 0 });
    const node = await runNode(config, { logger: pino({ level: "warn" }, sink) });
    await node.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const warnings = lines
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level === 40)
    .map((l) => l.msg);
  assert.equal(warnings.length, 3, warnings.join("\n"));
  assert.match(warnings[0] ?? "", /^N5g-eir .*"oauth2": true/);
  assert.match(warnings[1] ?? "", /^S13 .*"diameterPeers"/);
  assert.match(warnings[2] ?? "", /^rlm_rest .*"rlmRestTokenFile"/);
});
