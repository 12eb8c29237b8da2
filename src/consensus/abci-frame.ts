import { makeError } from "../core/errors/devicechain-error.js";

/**
 * ABCI socket framing since CometBFT v0.35: each protobuf message is prefixed with its length as
 * an unsigned varint (protobuf's uint64 encoding). v0.34 and earlier used a signed (zig-zag)
 * varint, which would read every length as double: we never accept that form.
 */

/** Generous: a FinalizeBlock carries the whole block, whose default limit is about 21 MiB. */
export const MAX_ABCI_MESSAGE_BYTES = 128 * 1024 * 1024;

/** The unsigned varint encoding of n (n ≥ 0, a safe integer). */
export function encodeUvarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Not a length: ${n}`);
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** One framed message: the length prefix followed by the message bytes. */
export function frame(message: Uint8Array): Uint8Array {
  const prefix = encodeUvarint(message.length);
  const out = new Uint8Array(prefix.length + message.length);
  out.set(prefix, 0);
  out.set(message, prefix.length);
  return out;
}

/**
 * Splits a byte stream into messages. Chunks may end anywhere, inside the length prefix or the
 * message; a message may span any number of chunks. A length above the limit is an error, so a
 * peer speaking the wrong framing is refused instead of making us buffer without end.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes: number = MAX_ABCI_MESSAGE_BYTES) {}

  /** Feed bytes; returns every message completed by them, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.byteLength;
    const out: Uint8Array[] = [];
    for (;;) {
      const header = this.readLength();
      if (header === undefined) break;
      const [length, prefixBytes] = header;
      if (this.buffered < prefixBytes + length) break;
      const all = this.take(prefixBytes + length);
      out.push(all.subarray(prefixBytes));
    }
    return out;
  }

  /** Bytes received but not yet part of a complete message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private readLength(): [number, number] | undefined {
    let value = 0;
    let scale = 1;
    let i = 0;
    for (const c of this.chunks) {
      for (const byte of c) {
        i++;
        value += (byte & 0x7f) * scale;
        if ((byte & 0x80) === 0) {
          if (value > this.maxBytes) {
            throw makeError(
              "REQUEST_TOO_LARGE",
              `ABCI message of ${value} bytes is over the ${this.maxBytes}-byte limit`,
            );
          }
          return [value, i];
        }
        scale *= 0x80;
        if (i >= 5) {
          // 5 varint bytes already exceed any length we accept.
          throw makeError("REQUEST_TOO_LARGE", "ABCI length prefix too long");
        }
      }
    }
    return undefined;
  }

  private take(n: number): Uint8Array {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const taken = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}
