import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** RADIUS packet codes (RFC 2865 §3, RFC 2866 §3, RFC 5176 §3.1, RFC 5997). */
export const CODE = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  STATUS_SERVER: 12,
  DISCONNECT_REQUEST: 40,
  DISCONNECT_ACK: 41,
  DISCONNECT_NAK: 42,
} as const;

/** The attribute types this node reads or writes (RFC 2865 §5, 2866 §5, 2869 §5, 5176 §3.5). */
export const ATTR = {
  USER_NAME: 1,
  USER_PASSWORD: 2,
  NAS_IP_ADDRESS: 4,
  NAS_PORT: 5,
  REPLY_MESSAGE: 18,
  CALLED_STATION_ID: 30,
  CALLING_STATION_ID: 31,
  NAS_IDENTIFIER: 32,
  ACCT_STATUS_TYPE: 40,
  ACCT_SESSION_ID: 44,
  EVENT_TIMESTAMP: 55,
  MESSAGE_AUTHENTICATOR: 80,
  NAS_IPV6_ADDRESS: 95,
  ERROR_CAUSE: 101,
} as const;

/** Acct-Status-Type values (RFC 2866 §5.1). */
export const ACCT_STATUS = {
  START: 1,
  STOP: 2,
  INTERIM_UPDATE: 3,
  ACCOUNTING_ON: 7,
  ACCOUNTING_OFF: 8,
} as const;

export const HEADER_LENGTH = 20;
/** RFC 2865 §3: the maximum packet length. */
export const MAX_PACKET_LENGTH = 4096;
const AUTH_OFFSET = 4;
const AUTH_LENGTH = 16;

export interface RadiusAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface RadiusPacket {
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Uint8Array;
  readonly attributes: readonly RadiusAttribute[];
  /** Where the Message-Authenticator's 16 octets start in the raw packet, if it has one. */
  readonly messageAuthenticatorAt?: number;
  /** The packet's own octets (Length long), without any trailing padding of the datagram. */
  readonly raw: Buffer;
}

export type RadiusDropReason = "malformed" | "bad_authenticator";

/** A packet that must be silently discarded (RFC 2865 §3), with the reason it is counted under. */
export class RadiusDecodeError extends Error {
  constructor(
    readonly reason: RadiusDropReason,
    message: string,
  ) {
    super(message);
    this.name = "RadiusDecodeError";
  }
}

/**
 * Decode one datagram. Octets past the Length field are padding and ignored; a datagram shorter
 * than its Length, or an attribute that overruns the packet, is malformed (RFC 2865 §3, §5).
 */
export function decodePacket(datagram: Buffer): RadiusPacket {
  if (datagram.length < HEADER_LENGTH) {
    throw new RadiusDecodeError("malformed", `${datagram.length} octets is shorter than a header`);
  }
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > datagram.length) {
    throw new RadiusDecodeError(
      "malformed",
      `Length ${length} does not fit a datagram of ${datagram.length}`,
    );
  }
  const raw = datagram.subarray(0, length);
  const attributes: RadiusAttribute[] = [];
  let messageAuthenticatorAt: number | undefined;
  for (let at = HEADER_LENGTH; at < length; ) {
    if (at + 2 > length) throw new RadiusDecodeError("malformed", `Attribute header at ${at} cut`);
    const type = raw[at]!;
    const len = raw[at + 1]!;
    if (len < 2 || at + len > length) {
      throw new RadiusDecodeError("malformed", `Attribute ${type} at ${at} has length ${len}`);
    }
    if (type === ATTR.MESSAGE_AUTHENTICATOR) {
      if (len !== 18 || messageAuthenticatorAt !== undefined) {
        throw new RadiusDecodeError(
          "malformed",
          "Message-Authenticator must appear once, 16 octets",
        );
      }
      messageAuthenticatorAt = at + 2;
    }
    attributes.push({ type, value: raw.subarray(at + 2, at + len) });
    at += len;
  }
  return {
    code: raw[0]!,
    identifier: raw[1]!,
    authenticator: raw.subarray(AUTH_OFFSET, AUTH_OFFSET + AUTH_LENGTH),
    attributes,
    ...(messageAuthenticatorAt === undefined ? {} : { messageAuthenticatorAt }),
    raw,
  };
}

/** The first attribute of a type, or undefined. */
export function findAttribute(p: RadiusPacket, type: number): Uint8Array | undefined {
  for (const a of p.attributes) if (a.type === type) return a.value;
  return undefined;
}

/** A text attribute as a string (UTF-8, RFC 2865 §5), or undefined. */
export function textAttribute(p: RadiusPacket, type: number): string | undefined {
  const v = findAttribute(p, type);
  return v === undefined ? undefined : Buffer.from(v.buffer, v.byteOffset, v.length).toString();
}

/** A 32-bit integer attribute, or undefined when absent or not 4 octets. */
export function integerAttribute(p: RadiusPacket, type: number): number | undefined {
  const v = findAttribute(p, type);
  if (v === undefined || v.length !== 4) return undefined;
  return Buffer.from(v.buffer, v.byteOffset, 4).readUInt32BE(0);
}

/** An IPv4 address attribute in dotted form, or undefined. */
export function ipv4Attribute(p: RadiusPacket, type: number): string | undefined {
  const v = findAttribute(p, type);
  return v?.length === 4 ? `${v[0]}.${v[1]}.${v[2]}.${v[3]}` : undefined;
}

export function textAttr(type: number, value: string): RadiusAttribute {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length === 0 || bytes.length > 253) {
    throw new RangeError(`Attribute ${type} must be 1 to 253 octets, not ${bytes.length}`);
  }
  return { type, value: bytes };
}

export function integerAttr(type: number, value: number): RadiusAttribute {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0, 0);
  return { type, value: b };
}

export function ipv4Attr(type: number, address: string): RadiusAttribute {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) {
    throw new RangeError(`${address} is not an IPv4 address`);
  }
  return { type, value: Uint8Array.from(parts) };
}

const MESSAGE_AUTHENTICATOR_PLACEHOLDER: RadiusAttribute = {
  type: ATTR.MESSAGE_AUTHENTICATOR,
  value: new Uint8Array(16),
};

/** Header and attributes; the caller fills in the authenticator. */
function encode(
  code: number,
  identifier: number,
  authenticator: Uint8Array,
  attributes: readonly RadiusAttribute[],
): Buffer {
  let length = HEADER_LENGTH;
  for (const a of attributes) length += 2 + a.value.length;
  if (length > MAX_PACKET_LENGTH) throw new RangeError(`A packet of ${length} octets is too long`);
  const out = Buffer.allocUnsafe(length);
  out[0] = code;
  out[1] = identifier;
  out.writeUInt16BE(length, 2);
  out.set(authenticator, AUTH_OFFSET);
  let at = HEADER_LENGTH;
  for (const a of attributes) {
    if (a.value.length > 253) throw new RangeError(`Attribute ${a.type} is too long`);
    out[at] = a.type;
    out[at + 1] = a.value.length + 2;
    out.set(a.value, at + 2);
    at += 2 + a.value.length;
  }
  return out;
}

const md5 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** HMAC-MD5 over the packet with the Message-Authenticator's value as 16 zero octets (RFC 3579 §3.2). */
function hmacWithZeroedMa(packet: Buffer, maAt: number, secret: Buffer): Buffer {
  packet.fill(0, maAt, maAt + 16);
  return createHmac("md5", secret).update(packet).digest();
}

/**
 * An Access-Accept or Access-Reject (or any response) to a request: Message-Authenticator first,
 * as the BlastRADIUS advisory asks, computed with the Request Authenticator in place (RFC 3579
 * §3.2), then the Response Authenticator MD5(Code+ID+Length+RequestAuth+Attributes+Secret).
 */
export function encodeResponse(
  code: number,
  request: Pick<RadiusPacket, "identifier" | "authenticator">,
  attributes: readonly RadiusAttribute[],
  secret: Buffer,
  opts: { messageAuthenticator?: boolean } = {},
): Buffer {
  const withMa = opts.messageAuthenticator !== false;
  const out = encode(
    code,
    request.identifier,
    request.authenticator,
    withMa ? [MESSAGE_AUTHENTICATOR_PLACEHOLDER, ...attributes] : attributes,
  );
  if (withMa) {
    const maAt = HEADER_LENGTH + 2;
    hmacWithZeroedMa(out, maAt, secret).copy(out, maAt);
  }
  md5(out, secret).copy(out, AUTH_OFFSET);
  return out;
}

/**
 * An Accounting-Request or Disconnect-Request: Request Authenticator
 * MD5(Code+ID+Length+16 zero octets+Attributes+Secret) (RFC 2866 §3, RFC 5176 §3.3), with a
 * Message-Authenticator computed over the zeroed authenticator when asked for.
 */
export function encodeSignedRequest(
  code: number,
  identifier: number,
  attributes: readonly RadiusAttribute[],
  secret: Buffer,
  opts: { messageAuthenticator?: boolean } = {},
): Buffer {
  const withMa = opts.messageAuthenticator === true;
  const out = encode(
    code,
    identifier,
    new Uint8Array(16),
    withMa ? [...attributes, MESSAGE_AUTHENTICATOR_PLACEHOLDER] : attributes,
  );
  if (withMa) {
    const maAt = out.length - 16;
    hmacWithZeroedMa(out, maAt, secret).copy(out, maAt);
  }
  md5(out, secret).copy(out, AUTH_OFFSET);
  return out;
}

/**
 * An Access-Request or Status-Server with a given (random) Request Authenticator and a
 * Message-Authenticator (RFC 2869 §5.14): what a NAS sends. For tests, benches and simulators.
 */
export function encodeAccessRequest(
  code: number,
  identifier: number,
  requestAuthenticator: Uint8Array,
  attributes: readonly RadiusAttribute[],
  secret: Buffer,
): Buffer {
  const out = encode(code, identifier, requestAuthenticator, [
    ...attributes,
    MESSAGE_AUTHENTICATOR_PLACEHOLDER,
  ]);
  const maAt = out.length - 16;
  hmacWithZeroedMa(out, maAt, secret).copy(out, maAt);
  return out;
}

/**
 * Whether the Message-Authenticator verifies. `authenticator` replaces the packet's own in the
 * computation: the Request Authenticator for a response, zeros for accounting and CoA requests.
 */
export function messageAuthenticatorValid(
  p: RadiusPacket,
  secret: Buffer,
  authenticator?: Uint8Array,
): boolean {
  const at = p.messageAuthenticatorAt;
  if (at === undefined) return false;
  const copy = Buffer.from(p.raw);
  if (authenticator) copy.set(authenticator, AUTH_OFFSET);
  const expected = hmacWithZeroedMa(copy, at, secret);
  return timingSafeEqual(expected, p.raw.subarray(at, at + 16));
}

/** Whether an Accounting-Request's or Disconnect-Request's Request Authenticator verifies. */
export function requestAuthenticatorValid(p: RadiusPacket, secret: Buffer): boolean {
  const copy = Buffer.from(p.raw);
  copy.fill(0, AUTH_OFFSET, AUTH_OFFSET + AUTH_LENGTH);
  return timingSafeEqual(md5(copy, secret), p.raw.subarray(AUTH_OFFSET, AUTH_OFFSET + 16));
}

/** Whether a response's Response Authenticator verifies against the request it answers. */
export function responseAuthenticatorValid(
  p: RadiusPacket,
  requestAuthenticator: Uint8Array,
  secret: Buffer,
): boolean {
  const copy = Buffer.from(p.raw);
  copy.set(requestAuthenticator, AUTH_OFFSET);
  return timingSafeEqual(md5(copy, secret), p.raw.subarray(AUTH_OFFSET, AUTH_OFFSET + 16));
}

/** Hide a User-Password (RFC 2865 §5.2). For NAS simulators: the node never reads passwords. */
export function hidePassword(
  password: string,
  requestAuthenticator: Uint8Array,
  secret: Buffer,
): Uint8Array {
  const plain = Buffer.from(password, "utf8");
  const padded = Buffer.alloc(Math.max(16, Math.ceil(plain.length / 16) * 16));
  plain.copy(padded);
  let previous: Uint8Array = requestAuthenticator;
  for (let i = 0; i < padded.length; i += 16) {
    const b = md5(secret, previous);
    for (let k = 0; k < 16; k++) padded[i + k]! ^= b[k]!;
    previous = padded.subarray(i, i + 16);
  }
  return padded;
}
