import { sha256 } from "../core/crypto/hash.js";
import { concatBytes, fromHex, toHex } from "../core/encoding/bytes.js";
import { canonicalBytes } from "../core/encoding/canonical-json.js";

/** A block as the ledger records it. Hashes are hex. */
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

export interface StoredBlock {
  readonly hash: string;
  readonly header: BlockHeader;
  readonly txs: readonly string[];
}

export const GENESIS_PREV_HASH = "0".repeat(64);

export function blockHash(header: BlockHeader): string {
  return toHex(sha256(canonicalBytes(header)));
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
