import { BinaryWriter } from "cosmjs-types/binary";
import { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { Consensus } from "cosmjs-types/tendermint/version/types";
import { utf8 } from "../../encoding/bytes.js";
import { makeError } from "../../errors/devicechain-error.js";
import { blockIdBytes, type CometBlockId, decodeBlockId, rpcHex } from "./block-id.js";
import { type CometTime, parseCometTime } from "./comet-time.js";
import { merkleRoot } from "./merkle.js";

/** A CometBFT v0.38 block header (types/block.go Header), decoded from the RPC's JSON. */
export interface CometHeader {
  readonly version: { readonly block: bigint; readonly app: bigint };
  readonly chainId: string;
  readonly height: number;
  readonly time: CometTime;
  readonly lastBlockId: CometBlockId;
  readonly lastCommitHash: Uint8Array;
  readonly dataHash: Uint8Array;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
  readonly consensusHash: Uint8Array;
  readonly appHash: Uint8Array;
  readonly lastResultsHash: Uint8Array;
  readonly evidenceHash: Uint8Array;
  readonly proposerAddress: Uint8Array;
}

/** CometBFT's longest chain id (types/genesis.go MaxChainIDLen). */
export const MAX_CHAIN_ID_LENGTH = 50;

const malformed = (why: string) => makeError("PROOF_MALFORMED", `The CometBFT header's ${why}`);

/** A uint64 or int64 as the RPC writes one: a decimal string. */
function decimal(value: unknown, what: string, max: bigint): bigint {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(value) || BigInt(value) > max) {
    throw malformed(`${what} is not a decimal integer`);
  }
  return BigInt(value);
}

const U64 = (1n << 64n) - 1n;

/** Read `/commit`'s signed_header.header; PROOF_MALFORMED unless every field has its form. */
export function decodeCometHeader(json: unknown): CometHeader {
  const h = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const v = (
    typeof h["version"] === "object" && h["version"] !== null ? h["version"] : {}
  ) as Record<string, unknown>;
  const chainId = h["chain_id"];
  if (typeof chainId !== "string" || chainId.length === 0 || chainId.length > MAX_CHAIN_ID_LENGTH) {
    throw malformed("chain_id is not a chain id");
  }
  const height = decimal(h["height"], "height", BigInt(Number.MAX_SAFE_INTEGER));
  if (height === 0n) throw malformed("height is 0");
  const time = typeof h["time"] === "string" ? parseCometTime(h["time"]) : undefined;
  if (!time) throw malformed("time is not an RFC 3339 time");
  const header: CometHeader = {
    version: {
      block: decimal(v["block"], "version.block", U64),
      app: decimal(v["app"] ?? "0", "version.app", U64),
    },
    chainId,
    height: Number(height),
    time,
    lastBlockId: decodeBlockId(h["last_block_id"], "header's last_block_id"),
    lastCommitHash: rpcHex(h["last_commit_hash"], "last_commit_hash", 32),
    dataHash: rpcHex(h["data_hash"], "data_hash", 32),
    validatorsHash: rpcHex(h["validators_hash"], "validators_hash", 32),
    nextValidatorsHash: rpcHex(h["next_validators_hash"], "next_validators_hash", 32),
    consensusHash: rpcHex(h["consensus_hash"], "consensus_hash", 32),
    appHash: rpcHex(h["app_hash"], "app_hash", 32),
    lastResultsHash: rpcHex(h["last_results_hash"], "last_results_hash", 32),
    evidenceHash: rpcHex(h["evidence_hash"], "evidence_hash", 32),
    proposerAddress: rpcHex(h["proposer_address"], "proposer_address", 20),
  };
  // CometBFT's Header.Hash is nil without a validators hash: such a header commits to nothing.
  if (header.validatorsHash.length === 0) throw malformed("validators_hash is empty");
  return header;
}

// gogoproto's wrapper messages (google.protobuf.StringValue, Int64Value, BytesValue), which
// CometBFT's cdcEncode puts each scalar header field in: field 1, left out when it is the default.
const stringValue = (s: string): Uint8Array =>
  s === "" ? new Uint8Array() : BinaryWriter.create().uint32(10).bytes(utf8(s)).finish();
const int64Value = (n: number): Uint8Array =>
  n === 0 ? new Uint8Array() : BinaryWriter.create().uint32(8).int64(n).finish();
const bytesValue = (b: Uint8Array): Uint8Array =>
  b.length === 0 ? new Uint8Array() : BinaryWriter.create().uint32(10).bytes(b).finish();

/**
 * The header's hash, which its block id names and every precommit signs: the simple Merkle root
 * of its fields in order, each proto-encoded as CometBFT v0.38's Header.Hash encodes it.
 */
export function cometHeaderHash(h: CometHeader): Uint8Array {
  return merkleRoot([
    Consensus.encode({ block: h.version.block, app: h.version.app }).finish(),
    stringValue(h.chainId),
    int64Value(h.height),
    Timestamp.encode({ seconds: h.time.seconds, nanos: h.time.nanos }).finish(),
    blockIdBytes(h.lastBlockId),
    bytesValue(h.lastCommitHash),
    bytesValue(h.dataHash),
    bytesValue(h.validatorsHash),
    bytesValue(h.nextValidatorsHash),
    bytesValue(h.consensusHash),
    bytesValue(h.appHash),
    bytesValue(h.lastResultsHash),
    bytesValue(h.evidenceHash),
    bytesValue(h.proposerAddress),
  ]);
}
