/** The one place where bytes become text and back: hex, base64url, base64 and UTF-8. */
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** Decode UTF-8, throwing on invalid sequences. */
export function fromUtf8(b: Uint8Array): string {
  return textDecoder.decode(b);
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

const HEX = /^(?:[0-9a-f]{2})*$/i;

/** Decode hex, or return undefined if it is not even-length hex. */
export function fromHex(s: string): Uint8Array | undefined {
  if (!HEX.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s, "hex"));
}

export function toBase64Url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Decode unpadded base64url strictly: it must round-trip, or undefined is returned. */
export function fromBase64Url(s: string): Uint8Array | undefined {
  if (!B64URL.test(s) || s.length % 4 === 1) return undefined;
  const b = new Uint8Array(Buffer.from(s, "base64url"));
  return toBase64Url(b) === s ? b : undefined;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decode padded standard base64 (CometBFT's keys and signatures) strictly, or undefined. */
export function fromBase64(s: string): Uint8Array | undefined {
  if (!B64.test(s) || s.length % 4 !== 0) return undefined;
  const b = new Uint8Array(Buffer.from(s, "base64"));
  return toBase64(b) === s ? b : undefined;
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order, the order every Merkle structure here sorts by. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}
