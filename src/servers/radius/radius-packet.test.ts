import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  ACCT_STATUS,
  ATTR,
  CODE,
  decodePacket,
  encodeAccessRequest,
  encodeResponse,
  encodeSignedRequest,
  findAttribute,
  hidePassword,
  integerAttr,
  integerAttribute,
  ipv4Attr,
  ipv4Attribute,
  messageAuthenticatorValid,
  RadiusDecodeError,
  requestAuthenticatorValid,
  responseAuthenticatorValid,
  textAttr,
  textAttribute,
} from "./radius-packet.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

// RFC 2865 §7.1 "User Telnet to Specified Host": shared secret "xyzzy5461", password "arctangent".
const RFC2865_SECRET = Buffer.from("xyzzy5461");
const RFC2865_REQUEST = hex(`01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
  98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee
  04 06 c0 a8 01 10 05 06 00 00 00 03`);
const RFC2865_ACCEPT = hex(`02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf
  9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00 0e 06 c0 a8 01 03`);

const SECRET = Buffer.from("a shared secret");

const drops = (bytes: Buffer): string => {
  try {
    decodePacket(bytes);
  } catch (e) {
    if (e instanceof RadiusDecodeError) return e.reason;
    throw e;
  }
  return "decoded";
};

describe("RADIUS packets (RFC 2865, 2866, 2869, 5176)", () => {
  test("decodes the RFC 2865 §7.1 Access-Request and hides its password as the RFC does", () => {
    const p = decodePacket(RFC2865_REQUEST);
    assert.equal(p.code, CODE.ACCESS_REQUEST);
    assert.equal(p.identifier, 0);
    assert.equal(p.attributes.length, 4);
    assert.equal(textAttribute(p, ATTR.USER_NAME), "nemo");
    assert.equal(ipv4Attribute(p, ATTR.NAS_IP_ADDRESS), "192.168.1.16");
    assert.equal(integerAttribute(p, ATTR.NAS_PORT), 3);
    assert.deepEqual(
      Buffer.from(hidePassword("arctangent", p.authenticator, RFC2865_SECRET)),
      Buffer.from(findAttribute(p, ATTR.USER_PASSWORD)!),
    );
  });

  test("computes the Response Authenticator of the RFC 2865 §7.1 Access-Accept", () => {
    const request = decodePacket(RFC2865_REQUEST);
    const accept = encodeResponse(
      CODE.ACCESS_ACCEPT,
      request,
      [integerAttr(6, 1), integerAttr(15, 0), ipv4Attr(14, "192.168.1.3")],
      RFC2865_SECRET,
      { messageAuthenticator: false },
    );
    assert.deepEqual(accept, RFC2865_ACCEPT);
    assert.ok(
      responseAuthenticatorValid(decodePacket(accept), request.authenticator, RFC2865_SECRET),
    );
  });

  test("responses carry a Message-Authenticator first that verifies with the request's authenticator", () => {
    const auth = Buffer.alloc(16, 7);
    const request = decodePacket(
      encodeAccessRequest(CODE.ACCESS_REQUEST, 9, auth, [textAttr(ATTR.USER_NAME, "x")], SECRET),
    );
    assert.ok(messageAuthenticatorValid(request, SECRET));
    assert.ok(!messageAuthenticatorValid(request, Buffer.from("another secret")));
    const reject = decodePacket(
      encodeResponse(CODE.ACCESS_REJECT, request, [textAttr(ATTR.REPLY_MESSAGE, "no")], SECRET),
    );
    assert.equal(reject.identifier, 9);
    assert.equal(reject.attributes[0]?.type, ATTR.MESSAGE_AUTHENTICATOR);
    assert.ok(messageAuthenticatorValid(reject, SECRET, auth));
    assert.ok(responseAuthenticatorValid(reject, auth, SECRET));
    assert.ok(!responseAuthenticatorValid(reject, Buffer.alloc(16), SECRET));
  });

  test("signed requests (accounting, disconnect) verify, and any flipped bit breaks them", () => {
    const bytes = encodeSignedRequest(
      CODE.ACCOUNTING_REQUEST,
      3,
      [integerAttr(ATTR.ACCT_STATUS_TYPE, ACCT_STATUS.START), textAttr(ATTR.ACCT_SESSION_ID, "s1")],
      SECRET,
      { messageAuthenticator: true },
    );
    const p = decodePacket(bytes);
    assert.ok(requestAuthenticatorValid(p, SECRET));
    assert.ok(messageAuthenticatorValid(p, SECRET, Buffer.alloc(16)));
    for (let i = 0; i < bytes.length; i++) {
      const tampered = Buffer.from(bytes);
      tampered[i]! ^= 0x10;
      // A flipped length octet makes the packet malformed, which is refused before any check.
      if (drops(tampered) !== "decoded") continue;
      const t = decodePacket(tampered);
      assert.ok(!requestAuthenticatorValid(t, SECRET), `flipped octet ${i} still verifies`);
    }
  });

  test("malformed datagrams are refused with reason malformed; padding past Length is ignored", () => {
    const good = encodeSignedRequest(CODE.ACCOUNTING_REQUEST, 1, [textAttr(1, "ab")], SECRET);
    assert.equal(drops(Buffer.concat([good, Buffer.alloc(5)])), "decoded");
    assert.equal(drops(good.subarray(0, 19)), "malformed");
    assert.equal(drops(good.subarray(0, good.length - 1)), "malformed", "shorter than Length");
    const zeroLength = Buffer.from(good);
    zeroLength[21] = 0;
    assert.equal(drops(zeroLength), "malformed");
    const overrun = Buffer.from(good);
    overrun[21] = 9;
    assert.equal(drops(overrun), "malformed");
    const short = Buffer.from(good);
    short.writeUInt16BE(19, 2);
    assert.equal(drops(short), "malformed");
    const twoMa = Buffer.concat([good, hex(`50 12 ${"00 ".repeat(16)} 50 12 ${"00 ".repeat(16)}`)]);
    twoMa.writeUInt16BE(twoMa.length, 2);
    assert.equal(drops(twoMa), "malformed");
    const shortMa = Buffer.concat([good, hex("50 04 00 00")]);
    shortMa.writeUInt16BE(shortMa.length, 2);
    assert.equal(drops(shortMa), "malformed");
  });

  test("property: attributes survive encode and decode; random octets never throw anything else", () => {
    const attr = fc.record({
      type: fc.integer({ min: 1, max: 255 }).filter((t) => t !== ATTR.MESSAGE_AUTHENTICATOR),
      value: fc.uint8Array({ minLength: 0, maxLength: 40 }),
    });
    fc.assert(
      fc.property(fc.array(attr, { maxLength: 20 }), fc.integer({ min: 0, max: 255 }), (as, id) => {
        const p = decodePacket(encodeSignedRequest(CODE.ACCOUNTING_REQUEST, id, as, SECRET));
        assert.equal(p.identifier, id);
        assert.deepEqual(
          p.attributes.map((a) => [a.type, Buffer.from(a.value).toString("hex")]),
          as.map((a) => [a.type, Buffer.from(a.value).toString("hex")]),
        );
        assert.ok(requestAuthenticatorValid(p, SECRET));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = drops(Buffer.from(bytes));
        assert.ok(r === "decoded" || r === "malformed");
      }),
    );
  });
});
