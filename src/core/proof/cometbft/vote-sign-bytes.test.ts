/**
 * Every precommit signature captured from a real CometBFT v0.38.25 network verifies over the sign
 * bytes built here (tests/fixtures/cometbft/): the canonical vote's encoding is byte for byte
 * what the validators signed.
 */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  changedFixture,
  lowOverlapFixture,
  plainFixture,
  proofsFixture,
} from "../../../../tests/support/comet-fixtures.js";
import { verifyEd25519 } from "../../crypto/ed25519.js";
import { fromBase64, toBase64Url } from "../../encoding/bytes.js";
import { BLOCK_ID_FLAG, decodeCometCommit } from "./commit.js";
import { precommitSignBytes } from "./vote-sign-bytes.js";

const heights = [plainFixture(), changedFixture(), lowOverlapFixture(), proofsFixture().next];

test("every commit signature of every captured height verifies with these sign bytes", () => {
  let checked = 0;
  for (const h of heights) {
    const chainId = h.signedHeader.header.chain_id as string;
    const commit = decodeCometCommit(h.signedHeader.commit);
    const keys = (h.validators.validators as { pub_key: { value: string } }[]).map((v) =>
      toBase64Url(fromBase64(v.pub_key.value)!),
    );
    commit.signatures.forEach((sig, i) => {
      if (sig.flag !== BLOCK_ID_FLAG.commit) return;
      const bytes = precommitSignBytes({
        chainId,
        height: commit.height,
        round: commit.round,
        blockId: commit.blockId,
        timestamp: sig.timestamp,
      });
      assert.ok(verifyEd25519(keys[i]!, bytes, sig.signature), `height ${h.height} vote ${i}`);
      // One nanosecond later is another message.
      const later = precommitSignBytes({
        chainId,
        height: commit.height,
        round: commit.round,
        blockId: commit.blockId,
        timestamp: { ...sig.timestamp, nanos: (sig.timestamp.nanos + 1) % 1e9 },
      });
      assert.ok(!verifyEd25519(keys[i]!, later, sig.signature));
      checked++;
    });
  }
  assert.ok(checked >= 2 * heights.length, `${checked} signatures checked`);
});

test("the sign bytes start with their length and the precommit type, as a delimited CanonicalVote", () => {
  const bytes = precommitSignBytes({
    chainId: "c",
    height: 1,
    round: 0,
    blockId: undefined,
    timestamp: { seconds: 0n, nanos: 0 },
  });
  // len, type=2, height sfixed64 1, empty timestamp (non-nullable), chain id "c".
  assert.deepEqual(
    [...bytes],
    [0x10, 0x08, 0x02, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0x00, 0x32, 0x01, 0x63],
  );
});
