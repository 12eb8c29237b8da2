import { sha256 } from "../crypto/hash.js";
import { concatBytes, fromHex, toHex } from "../encoding/bytes.js";
import { canonicalBytes } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";

/** A block header as the ledger records it. Hashes are hex. */
export interface BlockHeader {
  readonly chainId: string;
  readonly height: number;
  /** Milliseconds since the epoch, from the engine (or CometBFT's header), never the app's clock. */
  readonly time: number;
  readonly prevHash: string;
  /** Binary Merkle root of the block's transaction hashes. */
  readonly txRoot: string;
  /** The app hash after executing this block. */
  readonly appHash: string;
  readonly numTxs: number;
}

/** Exactly the header's fields, so extra properties (from JSON off the wire) never reach a hash. */
export function headerFields(h: BlockHeader): BlockHeader {
  return {
    chainId: h.chainId,
    height: h.height,
    time: h.time,
    prevHash: h.prevHash,
    txRoot: h.txRoot,
    appHash: h.appHash,
    numTxs: h.numTxs,
  };
}

/** The block hash: SHA-256 of the header's RFC 8785 canonical JSON, as hex. */
export function blockHash(header: BlockHeader): string {
  return toHex(sha256(canonicalBytes(headerFields(header))));
}

/** Binary Merkle root over transaction hashes: leaves 0x00||h, nodes 0x01||l||r, an odd node promoted. */
export function txRoot(txHashes: readonly string[]): string {
  if (txHashes.length === 0) return toHex(sha256(new Uint8Array()));
  let level = txHashes.map((h) =>
    sha256(concatBytes(Uint8Array.of(0), fromHex(h) ?? new Uint8Array())),
  );
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const l = level[i]!;
      const r = level[i + 1];
      next.push(r ? sha256(concatBytes(Uint8Array.of(1), l, r)) : l);
    }
    level = next;
  }
  return toHex(level[0]!);
}

const HASH_HEX = /^[0-9a-f]{64}$/;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** Read a header from parsed JSON; PROOF_MALFORMED unless every field has its type. */
export function decodeBlockHeader(json: unknown): BlockHeader {
  const h = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const bad = (field: string) =>
    makeError("PROOF_MALFORMED", `The block header's ${field} is missing or invalid`);
  if (typeof h["chainId"] !== "string") throw bad("chainId");
  if (!isCount(h["height"])) throw bad("height");
  if (!isCount(h["time"])) throw bad("time");
  for (const f of ["prevHash", "txRoot", "appHash"]) {
    if (typeof h[f] !== "string" || !HASH_HEX.test(h[f])) throw bad(f);
  }
  if (!isCount(h["numTxs"])) throw bad("numTxs");
  return headerFields(h as unknown as BlockHeader);
}
