/**
 * The SBI side of the 5G-EIR: OAuth2 bearer tokens on N5g-eir (HTTP/1.1 and h2c), and NFRegister,
 * heartbeats and NFDeregister against an NRF stand-in that checks every request against the
 * official TS 29.510 OpenAPI (tests/support/nrf-stand-in.ts).
 */
import * as assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { NF_INSTANCE_ID_FILE } from "../../src/node/data-dir.js";
import { freePort } from "../interop/dev-node.js";
import { NrfStandIn } from "../support/nrf-stand-in.js";
import { type E2eNode, http, startE2eNode, until } from "./e2e-node.js";

const UNKNOWN = "pei=imei-490154203237500";
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function es256(key: KeyObject, claims: Record<string, unknown>): string {
  const input = `${b64({ alg: "ES256", typ: "JWT" })}.${b64(claims)}`;
  const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${sig.toString("base64url")}`;
}

describe("OAuth2 bearer tokens on N5g-eir", () => {
  const nrfKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const nrfId = "9e9f3a1c-2222-4e5f-8a7b-fedcba987654";
  let keyDir: string;
  let n: E2eNode;
  let token: string;

  before(async () => {
    keyDir = mkdtempSync(path.join(tmpdir(), "dc-nrf-key-"));
    const pemFile = path.join(keyDir, "nrf-public.pem");
    writeFileSync(pemFile, nrfKey.publicKey.export({ type: "spki", format: "pem" }));
    n = await startE2eNode({ oauth2: true, oauth2PublicKeyFile: pemFile, oauth2Issuer: nrfId });
    token = es256(nrfKey.privateKey, {
      iss: nrfId,
      sub: "a1b2c3d4-3333-4aaa-8bbb-000000000001",
      aud: "5G_EIR",
      scope: "n5g-eir-eic",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
  });

  after(async () => {
    await n.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const eir = (headers: Record<string, string> = {}) =>
    http(`${n.url}/n5g-eir-eic/v1/equipment-status?${UNKNOWN}`, { headers });

  test("without a token: 401 ProblemDetails with a Bearer challenge", async () => {
    const r = await fetch(`${n.url}/n5g-eir-eic/v1/equipment-status?${UNKNOWN}`);
    assert.equal(r.status, 401);
    assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer /);
    assert.match(r.headers.get("content-type") ?? "", /^application\/problem\+json/);
    assert.equal(((await r.json()) as { status: number }).status, 401);
  });

  test("with the NRF's token the request reaches the EIR; a forged or unscoped one does not", async () => {
    const ok = await eir({ authorization: `Bearer ${token}` });
    assert.equal(ok.status, 404);
    assert.equal(ok.body.cause, "ERROR_EQUIPMENT_UNKNOWN");
    const forger = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const forged = es256(
      forger.privateKey,
      JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()),
    );
    assert.equal((await eir({ authorization: `Bearer ${forged}` })).status, 401);
    const unscoped = es256(nrfKey.privateKey, {
      iss: nrfId,
      sub: "a1b2c3d4-3333-4aaa-8bbb-000000000001",
      aud: "5G_EIR",
      scope: "nudm-sdm",
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const r = await fetch(`${n.url}/n5g-eir-eic/v1/equipment-status?${UNKNOWN}`, {
      headers: { authorization: `Bearer ${unscoped}` },
    });
    assert.equal(r.status, 403);
    assert.match(r.headers.get("www-authenticate") ?? "", /insufficient_scope/);
  });

  test("over h2c too, as an AMF calls", async () => {
    const session = connect(n.url);
    try {
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const s = session.request({
            ":path": `/n5g-eir-eic/v1/equipment-status?${UNKNOWN}`,
            ...headers,
          });
          s.on("response", (h) => resolve(Number(h[":status"])));
          s.on("error", reject);
          s.resume();
          s.end();
        });
      assert.equal(await status({}), 401);
      assert.equal(await status({ authorization: `Bearer ${token}` }), 404);
    } finally {
      session.close();
    }
  });

  test("the REST API is not behind the SBI token", async () => {
    assert.equal((await http(`${n.url}/v1/status`)).status, 200);
  });

  test("oauth2 without a key file is a clear start-up error", async () => {
    await assert.rejects(startE2eNode({ oauth2: true }), /oauth2PublicKeyFile/);
    await assert.rejects(
      startE2eNode({ oauth2: true, oauth2PublicKeyFile: path.join(keyDir, "missing.pem") }),
      /cannot read oauth2PublicKeyFile/,
    );
  });
});

describe("NRF registration as 5G_EIR (TS 29.510 NFManagement)", () => {
  let nrf: NrfStandIn;
  let n: E2eNode;

  before(async () => {
    nrf = new NrfStandIn(1);
    const nrfUri = await nrf.listen();
    n = await startE2eNode({ nrfUri, nrfHeartbeatSeconds: 30 });
  });

  after(async () => {
    await n?.stop();
    await nrf.close();
  });

  test("registers a conformant 5G_EIR profile, then heartbeats at the NRF's period", async () => {
    await until("NFRegister", () => nrf.count("PUT") >= 1, 5_000);
    const id = n.node.nfInstanceId;
    const profile = nrf.profiles.get(id) as Record<string, unknown>;
    assert.ok(profile, "the NRF holds our profile");
    assert.equal(profile.nfType, "5G_EIR");
    assert.equal(profile.nfStatus, "REGISTERED");
    assert.deepEqual(profile.ipv4Addresses, ["127.0.0.1"]);
    const services = profile.nfServices as {
      serviceName: string;
      ipEndPoints: { port: number }[];
    }[];
    assert.equal(services[0]?.serviceName, "n5g-eir-eic");
    assert.equal(services[0]?.ipEndPoints[0]?.port, Number(new URL(n.url).port));
    // We proposed 30 s; the NRF answered 1 s, and that is the period we must keep.
    await until("two heartbeats", () => nrf.count("PATCH") >= 2, 3_500);
    const patches = nrf.events.filter((e) => e.method === "PATCH");
    const gap = (patches[1]?.at ?? 0) - (patches[0]?.at ?? 0);
    assert.ok(gap >= 800 && gap <= 2_000, `heartbeats ${gap} ms apart`);
    assert.equal(n.node.nrf?.isRegistered, true);
    assert.deepEqual(nrf.violations, []);
    // The instance id is kept for the next start.
    assert.equal(readFileSync(path.join(n.dir, NF_INSTANCE_ID_FILE), "utf8").trim(), id);
  });

  test("an NRF that forgot us (404 to a heartbeat) gets a new NFRegister", async () => {
    const puts = nrf.count("PUT");
    nrf.forgetAll();
    await until("re-registration", () => nrf.count("PUT") > puts, 3_000);
    assert.ok(nrf.profiles.has(n.node.nfInstanceId));
    assert.deepEqual(nrf.violations, []);
  });

  test("stopping the node deregisters it", async () => {
    await n.stop();
    assert.equal(nrf.count("DELETE"), 1);
    assert.equal(nrf.profiles.size, 0);
    assert.deepEqual(nrf.violations, []);
  });
});

describe("NRF unreachable at start", () => {
  test("registration retries until the NRF comes up", async () => {
    const port = await freePort();
    const nrfUri = `http://127.0.0.1:${port}`;
    const n = await startE2eNode({ nrfUri });
    const nrf = new NrfStandIn(5);
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(n.node.nrf?.isRegistered, false);
      await nrf.listen(port);
      await until("NFRegister after the NRF came up", () => nrf.count("PUT") >= 1, 6_000);
      assert.deepEqual(nrf.violations, []);
    } finally {
      await n.stop();
      await nrf.close();
    }
  });
});
