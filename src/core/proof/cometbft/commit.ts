import { fromBase64 } from "../../encoding/bytes.js";
import { makeError } from "../../errors/devicechain-error.js";
import { type CometBlockId, decodeBlockId, rpcHex } from "./block-id.js";
import { type CometTime, parseCometTime } from "./comet-time.js";
import { MAX_VALIDATORS } from "./validator-set.js";

/** types/block.go BlockIDFlag: how a validator's precommit for the height ended. */
export const BLOCK_ID_FLAG = { absent: 1, commit: 2, nil: 3 } as const;

/** One validator's precommit in a commit; absent ones carry nothing else. */
export type CommitSig =
  | { readonly flag: 1 }
  | {
      readonly flag: 2 | 3;
      readonly validatorAddress: Uint8Array;
      readonly timestamp: CometTime;
      readonly signature: Uint8Array;
    };

/** A commit (types/block.go Commit): the precommits, by validator index, for one block id. */
export interface CometCommit {
  readonly height: number;
  readonly round: number;
  readonly blockId: CometBlockId;
  readonly signatures: readonly CommitSig[];
}

const malformed = (why: string) => makeError("PROOF_MALFORMED", `The CometBFT commit's ${why}`);

function decodeCommitSig(json: unknown, i: number): CommitSig {
  const s = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const flag = s["block_id_flag"];
  if (flag === BLOCK_ID_FLAG.absent) return { flag };
  if (flag !== BLOCK_ID_FLAG.commit && flag !== BLOCK_ID_FLAG.nil) {
    throw malformed(`signatures[${i}].block_id_flag is not 1, 2 or 3`);
  }
  const address = rpcHex(s["validator_address"], `signatures[${i}].validator_address`, 20);
  if (address.length === 0) throw malformed(`signatures[${i}] names no validator`);
  const timestamp = typeof s["timestamp"] === "string" ? parseCometTime(s["timestamp"]) : undefined;
  if (!timestamp) throw malformed(`signatures[${i}].timestamp is not an RFC 3339 time`);
  const signature = typeof s["signature"] === "string" ? fromBase64(s["signature"]) : undefined;
  if (signature?.length !== 64) throw malformed(`signatures[${i}].signature is not 64 bytes`);
  return { flag, validatorAddress: address, timestamp, signature };
}

/** Read `/commit`'s signed_header.commit; PROOF_MALFORMED unless every field has its form. */
export function decodeCometCommit(json: unknown): CometCommit {
  const c = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const height = c["height"];
  if (typeof height !== "string" || !/^[1-9][0-9]{0,15}$/.test(height)) {
    throw malformed("height is not a decimal integer");
  }
  const round = c["round"];
  if (!Number.isSafeInteger(round) || (round as number) < 0 || (round as number) > 0x7fffffff) {
    throw malformed("round is not an int32");
  }
  const sigs = c["signatures"];
  if (!Array.isArray(sigs) || sigs.length === 0 || sigs.length > MAX_VALIDATORS) {
    throw malformed(`signatures is not a list of 1 to ${MAX_VALIDATORS}`);
  }
  const n = Number(height);
  if (!Number.isSafeInteger(n)) throw malformed("height is too large");
  return {
    height: n,
    round: round as number,
    blockId: decodeBlockId(c["block_id"], "commit's block_id"),
    signatures: sigs.map(decodeCommitSig),
  };
}
