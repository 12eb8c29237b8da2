import { BinaryWriter } from "cosmjs-types/binary";
import { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { CometBlockId } from "./block-id.js";
import type { CometTime } from "./comet-time.js";

/** types.SignedMsgType PrecommitType: the vote a commit is made of. */
const PRECOMMIT = 2;

/**
 * The bytes a validator signs for a precommit (types/vote.go VoteSignBytes): the length-delimited
 * protobuf of tendermint.types.CanonicalVote {type, height and round as sfixed64, the canonical
 * block id (left out for a nil vote), timestamp, chain id}. cosmjs-types has no CanonicalVote, so
 * its six fields are written here with the library's protobuf writer.
 */
export function precommitSignBytes(vote: {
  readonly chainId: string;
  readonly height: number;
  readonly round: number;
  /** The block voted for; undefined for a nil vote. */
  readonly blockId: CometBlockId | undefined;
  readonly timestamp: CometTime;
}): Uint8Array {
  const w = BinaryWriter.create();
  w.uint32(8).int32(PRECOMMIT);
  if (vote.height !== 0) w.uint32(17).sfixed64(vote.height);
  if (vote.round !== 0) w.uint32(25).sfixed64(vote.round);
  if (vote.blockId) {
    // CanonicalBlockID {hash, part_set_header (non-nullable: always written)}.
    w.uint32(34).fork();
    if (vote.blockId.hash.length > 0) w.uint32(10).bytes(vote.blockId.hash);
    w.uint32(18).fork();
    if (vote.blockId.parts.total !== 0) w.uint32(8).uint32(vote.blockId.parts.total);
    if (vote.blockId.parts.hash.length > 0) w.uint32(18).bytes(vote.blockId.parts.hash);
    w.ldelim();
    w.ldelim();
  }
  // The timestamp is non-nullable: written even when it is the zero time.
  Timestamp.encode(
    { seconds: vote.timestamp.seconds, nanos: vote.timestamp.nanos },
    w.uint32(42).fork(),
  ).ldelim();
  if (vote.chainId !== "") w.uint32(50).string(vote.chainId);
  return BinaryWriter.create().bytes(w.finish()).finish();
}
