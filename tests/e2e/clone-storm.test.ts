/**
 * Clone storm resolution, over real interfaces on a real node (LMDB, embedded engine, signed
 * transactions): one IMEI used by two subscribers. An operator's suspicion greylists it; the
 * regulator's pairing lets the genuine subscriber through and refuses the clone, on N5g-eir (h2c
 * and HTTP/1.1) and on S13; removing the pairing goes back; clearing the case whitelists again.
 */
import * as assert from "node:assert/strict";
import { type ClientHttp2Session, connect as h2connect } from "node:http2";
import { after, before, describe, test } from "node:test";
import type { Signer } from "../../src/core/crypto/ed25519.js";
import type { JsonObject } from "../../src/core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../../src/core/identifiers/luhn.js";
import { pairingHash, pairingSaltOf } from "../../src/core/state/pairing.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { EQUIPMENT_STATUS } from "../../src/servers/s13/diameter-avps.js";
import { ACME, ALICE, consortiumSteps, REGULATOR, testMember } from "../support/consortium.js";
import { s13Check } from "../support/s13-check.js";
import { TEST_CHAIN } from "../support/signers.js";
import { type E2eNode, http, startE2eNode } from "./e2e-node.js";

const regulator = REGULATOR.signer;
const acme = ACME.signer;
const OPERATOR_A = testMember("operator-a", "operator");
const operatorA = OPERATOR_A.signer;
const alice = ALICE;

const D14 = "35693803564380";
const IMEI = D14 + String(luhnCheckDigit(D14));
/** The genuine subscriber, and the clone's: IMSIs of the 001/01 test network. */
const GENUINE = "001010000000001";
const CLONE = "001010000000002";

type Status = "WHITELISTED" | "BLACKLISTED" | "GREYLISTED";

function h2get(
  session: ClientHttp2Session,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "GET", ":path": path });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve({ status, body: Buffer.concat(chunks).toString() }));
    stream.on("error", reject);
    stream.setTimeout(10_000, () => stream.close());
    stream.end();
  });
}

describe("clone storm: two subscribers, one IMEI", () => {
  let n: E2eNode;
  let session: ClientHttp2Session;
  let s13Port: number;
  const submit = async (signer: Signer, type: TxType, params: JsonObject) =>
    (await n.submit(signer, type, params)).height as number;
  /** The salted hash the regulator's client computes; the subscriber never leaves it. */
  const pairing = (subscriber: string) =>
    pairingHash(
      pairingSaltOf({ chainId: TEST_CHAIN, activeRegulators: 1 }),
      `imei:${D14}`,
      subscriber,
    );

  /** The answer every interface gives: h2c and HTTP/1.1 N5g-eir with a supi, and S13. */
  async function answers(): Promise<Record<string, Status | number | undefined>> {
    const path = (supi?: string) =>
      `/n5g-eir-eic/v1/equipment-status?pei=imei-${IMEI}${supi === undefined ? "" : `&supi=${supi}`}`;
    const viaH2 = async (supi?: string) => {
      const r = await h2get(session, path(supi));
      assert.equal(r.status, 200, r.body);
      return (JSON.parse(r.body) as { status: Status }).status;
    };
    const viaH1 = async (supi?: string) => {
      const r = await http(n.url + path(supi));
      assert.equal(r.status, 200);
      return r.body.status as Status;
    };
    return {
      h2: await viaH2(),
      h2Genuine: await viaH2(`imsi-${GENUINE}`),
      h2Clone: await viaH2(`imsi-${CLONE}`),
      h1Genuine: await viaH1(`imsi-${GENUINE}`),
      h1Clone: await viaH1(`imsi-${CLONE}`),
      s13: await s13Check({ port: s13Port, imei: D14 }),
      s13Genuine: await s13Check({ port: s13Port, imei: D14, imsi: GENUINE }),
      s13Clone: await s13Check({ port: s13Port, imei: D14, imsi: CLONE }),
    };
  }
  const everywhere = (status: Status) => ({
    h2: status,
    h2Genuine: status,
    h2Clone: status,
    h1Genuine: status,
    h1Clone: status,
    s13: EQUIPMENT_STATUS[status],
    s13Genuine: EQUIPMENT_STATUS[status],
    s13Clone: EQUIPMENT_STATUS[status],
  });

  before(async () => {
    n = await startE2eNode();
    s13Port = n.node.s13Port ?? 0;
    session = h2connect(n.url);
    await n.run(consortiumSteps([ACME, OPERATOR_A], [[ACME, D14.slice(0, 8)]]));
    await submit(acme, "device.register", { devices: [{ ids: [IMEI] }] });
    await submit(acme, "device.sell", { device: IMEI, owner: alice.keyId });
  });
  after(async () => {
    session.close();
    await n.stop();
  });

  test("suspicion greylists; pairing splits genuine from clone; unpairing and clearing go back", async () => {
    assert.deepEqual(await answers(), everywhere("WHITELISTED"));

    // Operator A's detection rule fired: two subscribers on one IMEI.
    const suspectedAt = await submit(operatorA, "clone.suspect", {
      device: IMEI,
      rule: "imei-multi-subscriber",
      evidence: "9f".repeat(32),
    });
    assert.deepEqual(await answers(), everywhere("GREYLISTED"));
    const history = await http(`${n.url}/v1/devices/${IMEI}/history`);
    assert.ok(JSON.stringify(history.body).includes("clone_suspected"), "history shows it");

    // The regulator records the genuine pairing: only its salted hash goes on the ledger.
    await submit(regulator, "pairing.add", { device: IMEI, hash: pairing(`imsi-${GENUINE}`) });
    assert.deepEqual(await answers(), {
      h2: "GREYLISTED",
      h2Genuine: "WHITELISTED",
      h2Clone: "BLACKLISTED",
      h1Genuine: "WHITELISTED",
      h1Clone: "BLACKLISTED",
      s13: EQUIPMENT_STATUS.GREYLISTED,
      s13Genuine: EQUIPMENT_STATUS.WHITELISTED,
      s13Clone: EQUIPMENT_STATUS.BLACKLISTED,
    });
    const view = await http(`${n.url}/v1/devices/${IMEI}`);
    assert.deepEqual(
      [view.body.state, view.body.equipmentStatus, view.body.pairings],
      ["clone_suspected", "GREYLISTED", 1],
    );
    assert.deepEqual(view.body.suspicions, [
      {
        by: "operator-a",
        rule: "imei-multi-subscriber",
        evidence: "9f".repeat(32),
        height: suspectedAt,
      },
    ]);
    const tx = await http(`${n.url}/v1/blocks/latest`);
    assert.ok(!JSON.stringify(tx.body).includes(GENUINE), "no IMSI in the block");

    // Removing the pairing goes back to the device's status for everyone.
    await submit(regulator, "pairing.remove", { device: IMEI, hash: pairing(GENUINE) });
    assert.deepEqual(await answers(), everywhere("GREYLISTED"));

    // Paired again and the case closed: the genuine subscriber passes, the clone is still refused,
    // and a check without a subscriber is WHITELISTED.
    await submit(regulator, "pairing.add", { device: IMEI, hash: pairing(GENUINE) });
    await submit(regulator, "clone.clear", { device: IMEI });
    const closed = await answers();
    assert.equal(closed.h2, "WHITELISTED");
    assert.equal(closed.h2Genuine, "WHITELISTED");
    assert.equal(closed.h2Clone, "BLACKLISTED");
    assert.equal(closed.s13Clone, EQUIPMENT_STATUS.BLACKLISTED);

    // A stolen report outranks any pairing.
    await submit(alice, "report.file", { device: IMEI, kind: "stolen" });
    assert.deepEqual(await answers(), everywhere("BLACKLISTED"));
  });
});
