import { BlockID } from "cosmjs-types/tendermint/types/types";
import { fromHex } from "../../encoding/bytes.js";
import { makeError } from "../../errors/devicechain-error.js";

/** A CometBFT block id: the header's hash and the header of the block's part set. */
export interface CometBlockId {
  readonly hash: Uint8Array;
  readonly parts: { readonly total: number; readonly hash: Uint8Array };
}

const malformed = (why: string) => makeError("PROOF_MALFORMED", `The CometBFT ${why}`);

/** Bytes from CometBFT's RPC hex (upper case; "" for none), `bytes` long or empty. */
export function rpcHex(value: unknown, what: string, bytes: number): Uint8Array {
  const b = typeof value === "string" ? fromHex(value) : undefined;
  if (!b || (b.length !== 0 && b.length !== bytes)) {
    throw malformed(`${what} is not ${bytes} bytes of hex`);
  }
  return b;
}

/** Read `{hash, parts: {total, hash}}` as the RPC writes a block id. */
export function decodeBlockId(json: unknown, what: string): CometBlockId {
  const b = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const parts = (typeof b["parts"] === "object" && b["parts"] !== null ? b["parts"] : {}) as Record<
    string,
    unknown
  >;
  const total = parts["total"];
  if (!Number.isSafeInteger(total) || (total as number) < 0 || (total as number) > 0xffffffff) {
    throw malformed(`${what}'s parts.total is not a uint32`);
  }
  return {
    hash: rpcHex(b["hash"], `${what}'s hash`, 32),
    parts: { total: total as number, hash: rpcHex(parts["hash"], `${what}'s parts.hash`, 32) },
  };
}

/** The block id's protobuf (tendermint.types.BlockID), as the header hash covers it. */
export function blockIdBytes(id: CometBlockId): Uint8Array {
  return BlockID.encode({
    hash: id.hash,
    partSetHeader: { total: id.parts.total, hash: id.parts.hash },
  }).finish();
}

/** True if the id names no block (a nil or absent vote's). */
export function isZeroBlockId(id: CometBlockId): boolean {
  return id.hash.length === 0 && id.parts.total === 0 && id.parts.hash.length === 0;
}
