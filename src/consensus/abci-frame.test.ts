/** ABCI framing: unsigned varint length prefixes (CometBFT ≥ v0.35), split and joined chunks. */
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { encodeUvarint, FrameDecoder, frame } from "./abci-frame.js";

describe("ABCI framing", () => {
  test("lengths are unsigned varints, not v0.34's zig-zag signed ones", () => {
    // Protobuf's varint encoding (protobuf.dev/programming-guides/encoding): 1 → 01, 150 → 96 01.
    assert.deepEqual([...encodeUvarint(1)], [0x01]);
    assert.deepEqual([...encodeUvarint(150)], [0x96, 0x01]);
    assert.deepEqual([...encodeUvarint(300)], [0xac, 0x02]);
    // A signed varint would write 1 as 02 (zig-zag): v0.34 framing, which we must not produce.
    assert.deepEqual([...frame(Uint8Array.of(0x12, 0x00))], [0x02, 0x12, 0x00]);
  });

  test("any split of a stream of frames gives back the same messages", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 30 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => frame(m)));
          const decoder = new FrameDecoder();
          const out: Uint8Array[] = [];
          let at = 0;
          let i = 0;
          while (at < stream.length) {
            const n = cuts[i++ % cuts.length]!;
            out.push(...decoder.push(stream.subarray(at, at + n)));
            at += n;
          }
          assert.deepEqual(
            out.map((m) => Buffer.from(m).toString("hex")),
            messages.map((m) => Buffer.from(m).toString("hex")),
          );
          assert.equal(decoder.pendingBytes, 0);
        },
      ),
    );
  });

  test("a large message (5 MiB) arriving in 64 KiB chunks comes out whole", () => {
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 251);
    const stream = frame(big);
    const decoder = new FrameDecoder();
    const out: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += 65_536) {
      out.push(...decoder.push(stream.subarray(at, at + 65_536)));
    }
    assert.equal(out.length, 1);
    assert.ok(Buffer.from(out[0]!).equals(Buffer.from(big)));
  });

  test("a length over the limit is refused before buffering it", () => {
    const decoder = new FrameDecoder(1024);
    assert.throws(() => decoder.push(encodeUvarint(1025)), { code: "REQUEST_TOO_LARGE" });
    assert.throws(
      () => new FrameDecoder().push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)),
      {
        code: "REQUEST_TOO_LARGE",
      },
    );
  });
});
