import * as assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { AVP, COMMAND, S13_APPLICATION_ID, VENDOR_3GPP } from "./diameter-avps.js";
import {
  addressAvp,
  avpU32,
  avpUtf8,
  DiameterDecodeError,
  decodeAvps,
  decodeMessage,
  encodeMessage,
  FLAG_ERROR,
  FLAG_REQUEST,
  findAvp,
  groupedAvp,
  RESULT,
  u32Avp,
  utf8Avp,
} from "./diameter-message.js";

test("messages round-trip, AVPs padded to 4 bytes, vendor AVPs included", () => {
  const m = {
    flags: FLAG_REQUEST,
    commandCode: COMMAND.ME_IDENTITY_CHECK,
    applicationId: S13_APPLICATION_ID,
    hopByHop: 0xdeadbeef,
    endToEnd: 7,
    avps: [
      utf8Avp(AVP.SESSION_ID, "mme.example;1;2"),
      groupedAvp(
        AVP.TERMINAL_INFORMATION,
        [utf8Avp(AVP.IMEI, "49015420323751", { vendorId: VENDOR_3GPP })],
        { vendorId: VENDOR_3GPP },
      ),
      u32Avp(AVP.AUTH_SESSION_STATE, 1),
    ],
  };
  const bytes = encodeMessage(m);
  assert.equal(bytes.length % 4, 0);
  assert.equal(bytes.readUIntBE(1, 3), bytes.length);
  const back = decodeMessage(bytes);
  assert.equal(back.hopByHop, 0xdeadbeef);
  assert.equal(avpUtf8(findAvp(back.avps, AVP.SESSION_ID)!), "mme.example;1;2");
  const terminal = findAvp(back.avps, AVP.TERMINAL_INFORMATION, VENDOR_3GPP)!;
  assert.equal(
    avpUtf8(findAvp(decodeAvps(terminal.data), AVP.IMEI, VENDOR_3GPP)!),
    "49015420323751",
  );
  assert.equal(avpU32(findAvp(back.avps, AVP.AUTH_SESSION_STATE)!), 1);
});

test("any AVP list survives encode and decode", () => {
  const avp = fc.record({
    code: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    vendorId: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
    mandatory: fc.boolean(),
    data: fc.uint8Array({ maxLength: 40 }),
  });
  fc.assert(
    fc.property(fc.array(avp, { maxLength: 8 }), (avps) => {
      const clean = avps.map(({ vendorId, ...a }) =>
        vendorId === undefined ? a : { ...a, vendorId },
      );
      const m = {
        flags: FLAG_REQUEST,
        commandCode: 280,
        applicationId: 0,
        hopByHop: 1,
        endToEnd: 2,
        avps: clean,
      };
      assert.deepEqual(decodeMessage(encodeMessage(m)).avps, clean);
    }),
  );
});

test("Address AVPs carry the IANA family and the address (RFC 6733 §4.3.1)", () => {
  assert.deepEqual([...addressAvp(257, "127.0.0.1").data], [0, 1, 127, 0, 0, 1]);
  const v6 = addressAvp(257, "::1").data;
  assert.equal(v6.length, 18);
  assert.deepEqual([v6[0], v6[1], v6[17]], [0, 2, 1]);
});

test("malformed messages fail with the result code the answer must carry", () => {
  const good = encodeMessage({
    flags: FLAG_REQUEST,
    commandCode: 280,
    applicationId: 0,
    hopByHop: 1,
    endToEnd: 1,
    avps: [utf8Avp(264, "a")],
  });
  const expectCode = (bytes: Uint8Array, code: number) =>
    assert.throws(
      () => decodeMessage(bytes),
      (e) => e instanceof DiameterDecodeError && e.resultCode === code,
    );
  const v2 = Buffer.from(good);
  v2[0] = 2;
  expectCode(v2, RESULT.UNSUPPORTED_VERSION);
  const bits = Buffer.from(good);
  bits[4] = FLAG_REQUEST | FLAG_ERROR;
  expectCode(bits, RESULT.INVALID_HDR_BITS);
  const avpTooLong = Buffer.from(good);
  avpTooLong.writeUIntBE(200, 20 + 5, 3);
  expectCode(avpTooLong, RESULT.INVALID_AVP_LENGTH);
  expectCode(good.subarray(0, 12), RESULT.INVALID_MESSAGE_LENGTH);
  const lengthLies = Buffer.from(good);
  lengthLies.writeUIntBE(good.length + 4, 1, 3);
  expectCode(lengthLies, RESULT.INVALID_MESSAGE_LENGTH);
  assert.throws(
    () => avpU32(utf8Avp(268, "xx")),
    (e) => e instanceof DiameterDecodeError && e.resultCode === RESULT.INVALID_AVP_LENGTH,
  );
});
