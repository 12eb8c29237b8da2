/** The S13 Diameter EIR over real TCP against a real node (LMDB, embedded engine). */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AVP,
  COMMAND,
  S13_APPLICATION_ID,
  VENDOR_3GPP,
} from "../../src/servers/s13/diameter-avps.js";
import {
  type Avp,
  avpU32,
  type DiameterMessage,
  decodeAvps,
  encodeMessage,
  FLAG_ERROR,
  FLAG_PROXIABLE,
  FLAG_REQUEST,
  findAvp,
  groupedAvp,
  u32Avp,
  utf8Avp,
} from "../../src/servers/s13/diameter-message.js";
import { ACME, ALICE, consortiumSteps, EXAMPLE_TAC } from "../support/consortium.js";
import { DiameterPeer } from "../support/diameter-peer.js";
import { type E2eNode, startE2eNode } from "./e2e-node.js";

/** TS 29.272 §7.4.3: the device is not in the EIR (an Experimental-Result of vendor 3GPP). */
const DIAMETER_ERROR_EQUIPMENT_UNKNOWN = 5422;
const acme = ACME.signer;
const alice = ALICE;
// TS 23.003 Annex B example IMEI 49015420323751(8).
const STOLEN = "49015420323751";
const CLEAN = "49015420323752";

let hop = 1;
function request(commandCode: number, applicationId: number, avps: Avp[]): Buffer {
  return encodeMessage({
    flags: FLAG_REQUEST | FLAG_PROXIABLE,
    commandCode,
    applicationId,
    hopByHop: hop++,
    endToEnd: hop,
    avps,
  });
}

const origin = [
  utf8Avp(AVP.ORIGIN_HOST, "mme.test.localdomain"),
  utf8Avp(AVP.ORIGIN_REALM, "test.localdomain"),
];

function ecr(imei: string, session = `mme.test;${hop}`): Buffer {
  return request(COMMAND.ME_IDENTITY_CHECK, S13_APPLICATION_ID, [
    utf8Avp(AVP.SESSION_ID, session),
    u32Avp(AVP.AUTH_SESSION_STATE, 1),
    ...origin,
    utf8Avp(AVP.DESTINATION_REALM, "devicechain.localdomain"),
    groupedAvp(
      AVP.TERMINAL_INFORMATION,
      [
        utf8Avp(AVP.IMEI, imei, { vendorId: VENDOR_3GPP }),
        utf8Avp(AVP.SOFTWARE_VERSION, "01", { vendorId: VENDOR_3GPP }),
      ],
      { vendorId: VENDOR_3GPP },
    ),
    utf8Avp(AVP.USER_NAME, "001010000000001"),
  ]);
}

const resultCode = (m: DiameterMessage): number | undefined => {
  const r = findAvp(m.avps, AVP.RESULT_CODE);
  return r ? avpU32(r) : undefined;
};
const equipmentStatus = (m: DiameterMessage): number | undefined => {
  const e = findAvp(m.avps, AVP.EQUIPMENT_STATUS, VENDOR_3GPP);
  return e ? avpU32(e) : undefined;
};

describe("S13 Diameter EIR", () => {
  let n: E2eNode;
  let port: number;

  before(async () => {
    n = await startE2eNode();
    port = n.node.s13Port ?? 0;
    await n.run(consortiumSteps([ACME], [[ACME, EXAMPLE_TAC]]));
    await n.submit(acme, "device.register", {
      devices: [{ ids: [`${STOLEN}8`] }, { ids: [`${CLEAN}6`] }],
    });
    await n.submit(acme, "device.sell", { device: `${STOLEN}8`, owner: alice.keyId });
    await n.submit(alice, "report.file", { device: `${STOLEN}8`, kind: "stolen" });
  });
  after(async () => {
    await n.stop();
  });

  test("CER gets a CEA advertising S13; DWR a DWA; DPR a DPA, then the connection closes", async () => {
    const peer = await DiameterPeer.open(port);
    peer.send(
      request(COMMAND.CAPABILITIES_EXCHANGE, 0, [
        ...origin,
        u32Avp(AVP.VENDOR_ID, 0),
        utf8Avp(AVP.PRODUCT_NAME, "test"),
      ]),
    );
    const cea = await peer.next();
    assert.equal(cea.commandCode, COMMAND.CAPABILITIES_EXCHANGE);
    assert.equal(cea.flags & FLAG_REQUEST, 0);
    assert.equal(resultCode(cea), 2001);
    const vsai = findAvp(cea.avps, AVP.VENDOR_SPECIFIC_APPLICATION_ID)!;
    assert.equal(
      avpU32(findAvp(decodeAvps(vsai.data), AVP.AUTH_APPLICATION_ID)!),
      S13_APPLICATION_ID,
    );
    peer.send(request(COMMAND.DEVICE_WATCHDOG, 0, origin));
    assert.equal(resultCode(await peer.next()), 2001);
    peer.send(request(COMMAND.DISCONNECT_PEER, 0, [...origin, u32Avp(AVP.DISCONNECT_CAUSE, 0)]));
    assert.equal(resultCode(await peer.next()), 2001);
    await peer.closed;
  });

  test("ECR: stolen is BLACKLISTED (1), clean WHITELISTED (0), unknown 5422; ids echoed", async () => {
    const peer = await DiameterPeer.open(port);
    peer.send(ecr(STOLEN, "s-1"));
    const stolen = await peer.next();
    assert.equal(resultCode(stolen), 2001);
    assert.equal(equipmentStatus(stolen), 1);
    assert.equal(Buffer.from(findAvp(stolen.avps, AVP.SESSION_ID)!.data).toString(), "s-1");
    assert.equal(stolen.avps[0]?.code, AVP.SESSION_ID, "Session-Id comes first (RFC 6733 §8.8)");
    peer.send(ecr(`${CLEAN}6`));
    assert.equal(equipmentStatus(await peer.next()), 0);
    peer.send(ecr("49015420323760"));
    const unknown = await peer.next();
    assert.equal(resultCode(unknown), undefined);
    const exp = decodeAvps(findAvp(unknown.avps, AVP.EXPERIMENTAL_RESULT)!.data);
    assert.equal(
      avpU32(findAvp(exp, AVP.EXPERIMENTAL_RESULT_CODE)!),
      DIAMETER_ERROR_EQUIPMENT_UNKNOWN,
    );
    assert.equal(avpU32(findAvp(exp, AVP.VENDOR_ID)!), VENDOR_3GPP);
    peer.socket.destroy();
  });

  test("many pipelined requests, split into odd fragments, are answered in order with their ids", async () => {
    const peer = await DiameterPeer.open(port);
    const requests = Array.from({ length: 200 }, (_, i) => ecr(i % 2 === 0 ? STOLEN : CLEAN));
    const hops = requests.map((r) => r.readUInt32BE(12));
    const all = Buffer.concat(requests);
    for (let at = 0; at < all.length; at += 37) peer.send(all.subarray(at, at + 37));
    for (let i = 0; i < requests.length; i++) {
      const a = await peer.next();
      assert.equal(a.hopByHop, hops[i]);
      assert.equal(equipmentStatus(a), i % 2 === 0 ? 1 : 0);
    }
    peer.socket.destroy();
  });

  test("malformed requests get protocol errors with Failed-AVP, and the server goes on", async () => {
    const peer = await DiameterPeer.open(port);
    peer.send(ecr("4901542032375X"));
    const bad = await peer.next();
    assert.equal(resultCode(bad), 5004);
    const failed = decodeAvps(findAvp(bad.avps, AVP.FAILED_AVP)!.data);
    assert.equal(failed[0]?.code, AVP.IMEI);
    peer.send(
      request(COMMAND.ME_IDENTITY_CHECK, S13_APPLICATION_ID, [
        utf8Avp(AVP.SESSION_ID, "s-2"),
        ...origin,
      ]),
    );
    const missing = await peer.next();
    assert.equal(resultCode(missing), 5005);
    assert.equal(
      decodeAvps(findAvp(missing.avps, AVP.FAILED_AVP)!.data)[0]?.code,
      AVP.TERMINAL_INFORMATION,
    );
    peer.send(request(999, 0, origin));
    const unsupported = await peer.next();
    assert.equal(resultCode(unsupported), 3001);
    assert.equal(unsupported.flags & FLAG_ERROR, FLAG_ERROR);
    const broken = ecr(STOLEN);
    broken.writeUIntBE(9_999, 20 + 5, 3); // the first AVP claims more bytes than the message has
    peer.send(broken);
    assert.equal(resultCode(await peer.next()), 5014);
    peer.send(ecr(STOLEN));
    assert.equal(equipmentStatus(await peer.next()), 1, "the connection still works");
    peer.socket.destroy();
  });

  test("a frame whose length cannot be trusted closes only that connection", async () => {
    const peer = await DiameterPeer.open(port);
    peer.send(Buffer.from([1, 0, 0, 8, 0x80, 0, 1, 0x44]));
    await peer.closed;
    const other = await DiameterPeer.open(port);
    other.send(ecr(STOLEN));
    assert.equal(equipmentStatus(await other.next()), 1);
    other.socket.destroy();
  });
});
