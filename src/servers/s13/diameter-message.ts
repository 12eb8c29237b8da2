/**
 * The Diameter base protocol's wire format (RFC 6733 §3, §4): a 20-byte header, then AVPs, each
 * padded to 4 bytes. Values stay raw bytes here; typed readers and writers convert at the edge.
 */

export const DIAMETER_VERSION = 1;
export const HEADER_LENGTH = 20;
/** Larger messages are refused: an EIR's requests are a few hundred bytes. */
export const MAX_MESSAGE_LENGTH = 64 * 1024;

export const FLAG_REQUEST = 0x80;
export const FLAG_PROXIABLE = 0x40;
export const FLAG_ERROR = 0x20;
const AVP_FLAG_VENDOR = 0x80;
const AVP_FLAG_MANDATORY = 0x40;

export interface Avp {
  readonly code: number;
  readonly vendorId?: number;
  readonly mandatory: boolean;
  readonly data: Uint8Array;
}

export interface DiameterMessage {
  readonly flags: number;
  readonly commandCode: number;
  readonly applicationId: number;
  readonly hopByHop: number;
  readonly endToEnd: number;
  readonly avps: readonly Avp[];
}

/** A message that cannot be read, with the result code the answer must carry (RFC 6733 §7.1). */
export class DiameterDecodeError extends Error {
  constructor(
    readonly resultCode: number,
    message: string,
    /** The offending AVP, for a Failed-AVP, when one can be named. */
    readonly failedAvp?: Avp,
  ) {
    super(message);
    this.name = "DiameterDecodeError";
  }
}

export const RESULT = {
  SUCCESS: 2001,
  COMMAND_UNSUPPORTED: 3001,
  APPLICATION_UNSUPPORTED: 3007,
  INVALID_HDR_BITS: 3008,
  INVALID_AVP_BITS: 3009,
  /** RFC 6733 §7.1.3: a CER from a peer this node does not know. */
  UNKNOWN_PEER: 3010,
  AVP_UNSUPPORTED: 5001,
  INVALID_AVP_VALUE: 5004,
  MISSING_AVP: 5005,
  NO_COMMON_APPLICATION: 5010,
  UNSUPPORTED_VERSION: 5011,
  UNABLE_TO_COMPLY: 5012,
  INVALID_AVP_LENGTH: 5014,
  INVALID_MESSAGE_LENGTH: 5015,
} as const;

const padded = (n: number): number => (n + 3) & ~3;

/** The full length of the message at the start of `buf`, once its 4 first bytes are there. */
export function messageLength(buf: Uint8Array): number {
  return (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!;
}

function encodeAvp(avp: Avp, out: Buffer, at: number): number {
  const vendor = avp.vendorId !== undefined;
  const headerLength = vendor ? 12 : 8;
  const length = headerLength + avp.data.length;
  out.writeUInt32BE(avp.code, at);
  out[at + 4] = (vendor ? AVP_FLAG_VENDOR : 0) | (avp.mandatory ? AVP_FLAG_MANDATORY : 0);
  out.writeUIntBE(length, at + 5, 3);
  if (vendor) out.writeUInt32BE(avp.vendorId ?? 0, at + 8);
  out.set(avp.data, at + headerLength);
  return at + padded(length);
}

function avpsLength(avps: readonly Avp[]): number {
  let n = 0;
  for (const a of avps) n += padded((a.vendorId !== undefined ? 12 : 8) + a.data.length);
  return n;
}

/** The bytes of a list of AVPs: the data of a Grouped AVP. */
export function encodeAvps(avps: readonly Avp[]): Buffer {
  const out = Buffer.alloc(avpsLength(avps));
  let at = 0;
  for (const a of avps) at = encodeAvp(a, out, at);
  return out;
}

export function encodeMessage(m: DiameterMessage): Buffer {
  const length = HEADER_LENGTH + avpsLength(m.avps);
  const out = Buffer.alloc(length);
  out[0] = DIAMETER_VERSION;
  out.writeUIntBE(length, 1, 3);
  out[4] = m.flags;
  out.writeUIntBE(m.commandCode, 5, 3);
  out.writeUInt32BE(m.applicationId >>> 0, 8);
  out.writeUInt32BE(m.hopByHop >>> 0, 12);
  out.writeUInt32BE(m.endToEnd >>> 0, 16);
  let at = HEADER_LENGTH;
  for (const a of m.avps) at = encodeAvp(a, out, at);
  return out;
}

/** Read AVPs from `data` (a message body or a Grouped AVP's data). */
export function decodeAvps(data: Uint8Array): Avp[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const avps: Avp[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < 8)
      throw new DiameterDecodeError(RESULT.INVALID_AVP_LENGTH, "Truncated AVP header");
    const code = buf.readUInt32BE(at);
    const flags = buf[at + 4]!;
    const length = buf.readUIntBE(at + 5, 3);
    const vendor = (flags & AVP_FLAG_VENDOR) !== 0;
    const headerLength = vendor ? 12 : 8;
    if (length < headerLength || at + length > buf.length) {
      const partial: Avp = {
        code,
        mandatory: (flags & AVP_FLAG_MANDATORY) !== 0,
        data: new Uint8Array(),
      };
      throw new DiameterDecodeError(
        RESULT.INVALID_AVP_LENGTH,
        `AVP ${code} has length ${length}`,
        partial,
      );
    }
    const avp: Avp = {
      code,
      mandatory: (flags & AVP_FLAG_MANDATORY) !== 0,
      data: new Uint8Array(buf.subarray(at + headerLength, at + length)),
      ...(vendor ? { vendorId: buf.readUInt32BE(at + 8) } : {}),
    };
    if ((flags & 0x1f) !== 0)
      throw new DiameterDecodeError(
        RESULT.INVALID_AVP_BITS,
        `AVP ${code} has reserved bits set`,
        avp,
      );
    avps.push(avp);
    at += padded(length);
  }
  return avps;
}

/** Decode one whole message. Throws DiameterDecodeError with the result code to answer with. */
export function decodeMessage(bytes: Uint8Array): DiameterMessage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_LENGTH)
    throw new DiameterDecodeError(RESULT.INVALID_MESSAGE_LENGTH, "Short message");
  if (buf[0] !== DIAMETER_VERSION)
    throw new DiameterDecodeError(RESULT.UNSUPPORTED_VERSION, `Version ${buf[0]}`);
  const length = messageLength(buf);
  if (length !== buf.length || length % 4 !== 0) {
    throw new DiameterDecodeError(
      RESULT.INVALID_MESSAGE_LENGTH,
      `Length field ${length}, ${buf.length} bytes`,
    );
  }
  const flags = buf[4]!;
  const header = {
    flags,
    commandCode: buf.readUIntBE(5, 3),
    applicationId: buf.readUInt32BE(8),
    hopByHop: buf.readUInt32BE(12),
    endToEnd: buf.readUInt32BE(16),
  };
  if ((flags & 0x0f) !== 0 || ((flags & FLAG_REQUEST) !== 0 && (flags & FLAG_ERROR) !== 0)) {
    throw new DiameterDecodeError(RESULT.INVALID_HDR_BITS, "Reserved or contradictory header bits");
  }
  return { ...header, avps: decodeAvps(buf.subarray(HEADER_LENGTH)) };
}

/** Just the header fields, for answering a message whose AVPs could not be read. */
export function decodeHeader(bytes: Uint8Array): Omit<DiameterMessage, "avps"> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    flags: buf[4]!,
    commandCode: buf.readUIntBE(5, 3),
    applicationId: buf.readUInt32BE(8),
    hopByHop: buf.readUInt32BE(12),
    endToEnd: buf.readUInt32BE(16),
  };
}

// Typed AVP values (RFC 6733 §4.2, §4.3).

export const utf8Avp = (
  code: number,
  value: string,
  opts: { vendorId?: number; mandatory?: boolean } = {},
): Avp => ({
  code,
  mandatory: opts.mandatory ?? true,
  data: new Uint8Array(Buffer.from(value, "utf8")),
  ...(opts.vendorId === undefined ? {} : { vendorId: opts.vendorId }),
});

export function u32Avp(
  code: number,
  value: number,
  opts: { vendorId?: number; mandatory?: boolean } = {},
): Avp {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(value >>> 0);
  return {
    code,
    mandatory: opts.mandatory ?? true,
    data: new Uint8Array(data),
    ...(opts.vendorId === undefined ? {} : { vendorId: opts.vendorId }),
  };
}

export const groupedAvp = (
  code: number,
  avps: readonly Avp[],
  opts: { vendorId?: number; mandatory?: boolean } = {},
): Avp => ({
  code,
  mandatory: opts.mandatory ?? true,
  data: new Uint8Array(encodeAvps(avps)),
  ...(opts.vendorId === undefined ? {} : { vendorId: opts.vendorId }),
});

/** An Address AVP holding an IPv4 or IPv6 address (RFC 6733 §4.3.1). */
export function addressAvp(code: number, ip: string): Avp {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) return { code, mandatory: true, data: Uint8Array.of(0, 1, ...v4.slice(1).map(Number)) };
  // IPv6: expand "::" and write 8 groups.
  const [head = "", tail = ""] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t].map((g) =>
    Number.parseInt(g, 16),
  );
  const data = Buffer.alloc(18);
  data.writeUInt16BE(2, 0);
  groups.forEach((g, i) => {
    data.writeUInt16BE(g, 2 + 2 * i);
  });
  return { code, mandatory: true, data: new Uint8Array(data) };
}

export const findAvp = (avps: readonly Avp[], code: number, vendorId?: number): Avp | undefined =>
  avps.find((a) => a.code === code && a.vendorId === vendorId);

export const avpUtf8 = (a: Avp): string => Buffer.from(a.data).toString("utf8");

export function avpU32(a: Avp): number {
  if (a.data.length !== 4)
    throw new DiameterDecodeError(RESULT.INVALID_AVP_LENGTH, `AVP ${a.code} is not 32 bits`, a);
  return Buffer.from(a.data).readUInt32BE(0);
}
