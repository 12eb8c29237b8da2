/**
 * A clone storm on a real 4-validator consortium (CometBFT v0.38 plus one devicechain process per
 * member, loopback): one IMEI used by two subscribers on two networks. Nothing is submitted by
 * hand until the regulator resolves the case:
 * - operator-1's node is configured with cloneReportKeyFile, as an operator's node would be, and
 *   with its MMEs as diameterPeers: only authenticated peers' checks feed the rules;
 * - its MMEs' real S13 ME-Identity-Checks (each after a CER, as a real peer's) carry the genuine
 *   subscriber from a network in one country and the clone's from a network in another;
 * - its detection rules fire by themselves and its node signs and submits clone.suspect;
 * - every node then answers GREYLISTED;
 * - the regulator records the genuine pairing, and every node answers WHITELISTED to the genuine
 *   subscriber and BLACKLISTED to the clone, on N5g-eir and on S13.
 * The regulator follows the case on a webhook at its own node: the suspicion raised at another
 * member's node reaches it as a signed delivery once it commits.
 */
import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { appDir } from "../../src/clients/net/net-layout.js";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { sha256 } from "../../src/core/crypto/hash.js";
import { toBase64Url, toHex } from "../../src/core/encoding/bytes.js";
import { canonicalBytes, type JsonObject } from "../../src/core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import type { ChainInfo } from "../../src/core/state/chain.js";
import { pairingHash, pairingSaltOf } from "../../src/core/state/pairing.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { DELIVERY_HEADERS, verifyDelivery } from "../../src/node/push/delivery-signature.js";
import { EQUIPMENT_STATUS } from "../../src/servers/s13/diameter-avps.js";
import { ACME, consortiumSteps } from "../support/consortium.js";
import { s13Check } from "../support/s13-check.js";
import { signed } from "../support/signers.js";
import { appHashAt, getJson, postTx, startTestNet, type TestNet, waitFor } from "./test-net.js";

const D14 = "35693803564380";
const IMEI = D14 + String(luhnCheckDigit(D14));
/** The genuine subscriber, and the clone's (IMSIs of the 001/01 test network). */
const GENUINE = "001010000000001";
const CLONE = "001010000000002";
/** The two networks: EPC realms of a PLMN in country 001 and one in country 208. */
const NETWORK_A = "epc.mnc001.mcc001.3gppnetwork.org";
const NETWORK_B = "epc.mnc010.mcc208.3gppnetwork.org";
/** The member whose node runs as an operator's node, with the key that signs clone.suspect. */
const OPERATOR = "operator-1";
const OPERATOR_NODE = 1;
const NODES = [0, 1, 2, 3];

type Status = "WHITELISTED" | "BLACKLISTED" | "GREYLISTED";

let net: TestNet;
let hookServer: Server | undefined;
/** Webhook deliveries the regulator's receiver got: verified signature, and the event. */
const delivered: { authentic: boolean; event: Record<string, unknown> }[] = [];
const acme: Signer = ACME.signer;

/** Submit through node 0 and require the commit. */
async function submit(signer: Signer, type: TxType, params: JsonObject): Promise<number> {
  const account = await getJson(`${net.url(0)}/v1/accounts/${signer.keyId}`);
  const nonce = account.body.nextNonce as number;
  const r = await postTx(net.url(0), signed(signer, nonce, type, params, net.chainId));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.code, 0, JSON.stringify(r.body));
  return r.body.height as number;
}

/** N5g-eir equipment-status from node i, with the SUPI when given. */
async function eir(i: number, supi?: string): Promise<Status> {
  const query = `pei=imei-${IMEI}${supi === undefined ? "" : `&supi=${supi}`}`;
  const r = await getJson(`${net.url(i)}/n5g-eir-eic/v1/equipment-status?${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.status as Status;
}

/** S13 ME-Identity-Check at node i, after a CER, with the IMSI as User-Name, from the given network. */
const s13 = (i: number, imsi: string, originRealm?: string) =>
  s13Check({
    port: net.node(i).ports.s13,
    imei: D14,
    imsi,
    cer: true,
    ...(originRealm === undefined ? {} : { originRealm }),
  });

/** The MMEs operator-1's node knows: s13Check names each mme.<realm>; clone.test is its default. */
const OPERATOR_PEERS = [NETWORK_A, NETWORK_B, "clone.test"].map((realm) => ({
  host: `mme.${realm}`,
  realm,
}));

/** What node i answers: without a subscriber, to the genuine one and to the clone. */
async function answers(i: number) {
  return {
    eir: await eir(i),
    eirGenuine: await eir(i, `imsi-${GENUINE}`),
    eirClone: await eir(i, `imsi-${CLONE}`),
    s13Genuine: await s13(i, GENUINE),
    s13Clone: await s13(i, CLONE),
  };
}

/** Wait until every node gives the expected answers; then assert them, to name any difference. */
async function everyNodeAnswers(
  expected: Awaited<ReturnType<typeof answers>>,
  timeoutMs: number,
): Promise<void> {
  for (const i of NODES) {
    await waitFor(
      `node ${i} to answer ${JSON.stringify(expected)}`,
      async () => JSON.stringify(await answers(i)) === JSON.stringify(expected),
      timeoutMs,
    ).catch(() => undefined);
    assert.deepEqual(await answers(i), expected, `node ${i}`);
  }
}

describe("clone storm on a 4-validator consortium", { timeout: 120_000 }, () => {
  before(async () => {
    net = await startTestNet({
      validators: 4,
      // The regulator's webhook receiver listens on loopback: allow-listed, as nodes refuse it.
      nodeSettings: (node, _i, dir) =>
        node.name === OPERATOR
          ? {
              cloneReportKeyFile: path.join(dir, "keys", `${OPERATOR}.key`),
              webhookAllowedHosts: ["127.0.0.1"],
              diameterPeers: OPERATOR_PEERS,
            }
          : { webhookAllowedHosts: ["127.0.0.1"] },
    });
    const regulator = net.key("regulator");
    for (const s of consortiumSteps([ACME], [[ACME, D14.slice(0, 8)]], regulator)) {
      await submit(s.signer, s.type, s.params);
    }
    await submit(acme, "device.register", { devices: [{ ids: [IMEI] }] });

    // The regulator's webhook at its own node, for this device's suspicions and pairings.
    const nodeKeyId = String((await getJson(`${net.url(0)}/v1/webhooks/signing-key`)).body.keyId);
    hookServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const authentic = verifyDelivery(
          String(req.headers[DELIVERY_HEADERS.signature]),
          { nodeKeyId },
          String(req.headers[DELIVERY_HEADERS.id]),
          Number(req.headers[DELIVERY_HEADERS.timestamp]),
          body,
        );
        delivered.push({ authentic, event: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hookServer?.listen(0, "127.0.0.1", r));
    const port = (hookServer.address() as AddressInfo).port;
    const request = {
      chain: net.chainId,
      key: regulator.keyId,
      time: Date.now(),
      url: `http://127.0.0.1:${port}/devicechain`,
      devices: [IMEI],
      events: ["clone_suspected", "paired"],
    };
    const sig = toBase64Url(regulator.sign(canonicalBytes(request)));
    const res = await fetch(`${net.url(0)}/v1/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ request, sig }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(res.status, 201, await res.text());
  });

  after(async () => {
    await net?.close();
    await new Promise<void>((r) => (hookServer ? hookServer.close(() => r()) : r()));
  });

  test("the operator's node detects the clone and reports it; every node greylists; the regulator's pairing whitelists the genuine subscriber and blacklists the clone everywhere", async () => {
    // Registered everywhere. (Checked without subscribers: the same checks with the two
    // subscribers in turn are a storm of their own, and would fire alternating-subscribers.)
    for (const i of NODES) {
      await waitFor(`node ${i} to know the device`, async () => (await eir(i)) === "WHITELISTED");
    }
    const clean = EQUIPMENT_STATUS.WHITELISTED;

    // The storm, at operator-1's node only: the genuine phone at home (an AMF's N5g-eir check
    // and an MME's S13 check in country 001), then the clone abroad minutes later (country 208).
    // The N5g-eir check carries no NRF token, so it is answered but feeds no rule; the
    // allow-listed MMEs' checks are what fire impossible-travel.
    const o = OPERATOR_NODE;
    assert.equal(await eir(o, `imsi-${GENUINE}`), "WHITELISTED");
    assert.equal(await s13(o, GENUINE, NETWORK_A), clean);
    assert.equal(await s13(o, CLONE, NETWORK_B), clean);

    // No one submits anything: the node's rule fires and its clone.suspect commits everywhere.
    const suspicions: unknown[][] = [];
    for (const i of NODES) {
      await waitFor(
        `node ${i} to record the suspicion`,
        async () => {
          const d = await getJson(`${net.url(i)}/v1/devices/${IMEI}`);
          suspicions[i] = (d.body.suspicions as unknown[] | undefined) ?? [];
          return d.body.state === "clone_suspected";
        },
        30_000,
      );
    }
    const [suspicion] = suspicions[0] as { by: string; rule: string; evidence: string }[];
    assert.ok(suspicion);
    assert.equal(suspicion.by, OPERATOR);
    assert.equal(suspicion.rule, "impossible-travel");
    for (const i of NODES) assert.deepEqual(suspicions[i], suspicions[0], `node ${i}`);
    // The evidence stays on the operator's node, under the hash the ledger holds.
    const evidenceFile = path.join(
      appDir(net.dir, net.node(o).name),
      "observations",
      "evidence",
      `${suspicion.evidence}.json`,
    );
    assert.ok(existsSync(evidenceFile), evidenceFile);
    const evidence = readFileSync(evidenceFile);
    assert.equal(toHex(sha256(evidence)), suspicion.evidence);
    const text = evidence.toString();
    assert.ok(text.includes(NETWORK_A) && text.includes(NETWORK_B), text);
    assert.ok(!text.includes(GENUINE) && !text.includes(CLONE), "no raw IMSI in the evidence");
    // The regulator heard of it at its own node.
    await waitFor("the regulator's clone_suspected delivery", async () =>
      delivered.some((d) => d.event.event === "clone_suspected"),
    );

    const grey = EQUIPMENT_STATUS.GREYLISTED;
    await everyNodeAnswers(
      {
        eir: "GREYLISTED",
        eirGenuine: "GREYLISTED",
        eirClone: "GREYLISTED",
        s13Genuine: grey,
        s13Clone: grey,
      },
      10_000,
    );

    // The regulator resolves the case: the genuine pairing, as a salted hash only.
    const genesis = JSON.parse(readFileSync(path.join(net.dir, "genesis.json"), "utf8")) as {
      pairingSalt?: string;
    };
    const chain: ChainInfo = {
      chainId: net.chainId,
      activeRegulators: 1,
      ...(genesis.pairingSalt === undefined ? {} : { pairingSalt: genesis.pairingSalt }),
    };
    const height = await submit(net.key("regulator"), "pairing.add", {
      device: IMEI,
      hash: pairingHash(pairingSaltOf(chain), `imei:${D14}`, `imsi-${GENUINE}`),
    });
    await everyNodeAnswers(
      {
        eir: "GREYLISTED",
        eirGenuine: "WHITELISTED",
        eirClone: "BLACKLISTED",
        s13Genuine: EQUIPMENT_STATUS.WHITELISTED,
        s13Clone: EQUIPMENT_STATUS.BLACKLISTED,
      },
      10_000,
    );
    // One state on every node: the same app hash at the pairing's height.
    const hashes = await Promise.all(NODES.map((i) => appHashAt(net.url(i), height)));
    assert.ok(hashes[0], `node 0 has block ${height}`);
    assert.equal(new Set(hashes).size, 1, hashes.join(" "));
    await waitFor("the regulator's paired delivery", async () =>
      delivered.some((d) => d.event.event === "paired"),
    );
    assert.deepEqual(
      delivered.map((d) => [d.authentic, d.event.event, d.event.status]),
      [
        [true, "clone_suspected", "GREYLISTED"],
        [true, "paired", "GREYLISTED"],
      ],
    );
    // Only the keyed operator's node reported, once.
    const device = await getJson(`${net.url(2)}/v1/devices/${IMEI}`);
    assert.equal((device.body.suspicions as unknown[]).length, 1);
  });
});
