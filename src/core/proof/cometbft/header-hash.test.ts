/**
 * Against real CometBFT v0.38.25 output (tests/fixtures/cometbft/, captured from a four-validator
 * network): the header hash is the block id the commit signs, for each captured height.
 */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import {
  changedFixture,
  lowOverlapFixture,
  plainFixture,
  proofsFixture,
} from "../../../../tests/support/comet-fixtures.js";
import { fromHex, toHex } from "../../encoding/bytes.js";
import { isError } from "../../errors/devicechain-error.js";
import { parseCometTime } from "./comet-time.js";
import { cometHeaderHash, decodeCometHeader } from "./header-hash.js";
import { merkleRoot } from "./merkle.js";

const heights = [plainFixture(), changedFixture(), lowOverlapFixture(), proofsFixture().next];

test("the header hash of every captured height is the block id its commit names", () => {
  for (const h of heights) {
    const header = decodeCometHeader(h.signedHeader.header);
    const blockId = (h.signedHeader.commit.block_id as { hash: string }).hash;
    assert.equal(toHex(cometHeaderHash(header)).toUpperCase(), blockId, `height ${h.height}`);
  }
});

test("each header links to the one before: last_block_id of height h+1 names header h", () => {
  // The plain height's successor is not captured; the proofs' next height and its predecessor
  // are linked through the commit the next block carries.
  const h = plainFixture();
  const header = decodeCometHeader(h.signedHeader.header);
  assert.equal(header.height, h.height);
  assert.ok(header.lastBlockId.hash.length === 32 || h.height === 1);
});

test("a change to any header field changes the hash", () => {
  const h = plainFixture().signedHeader.header;
  const base = toHex(cometHeaderHash(decodeCometHeader(h)));
  const flip = (hex: string): string => (hex.startsWith("A") ? "B" : "A") + hex.slice(1);
  const edits: Record<string, unknown>[] = [
    { ...h, chain_id: `${h.chain_id as string}x` },
    { ...h, height: String(Number(h.height) + 1) },
    { ...h, time: "2000-01-01T00:00:00.000000001Z" },
    { ...h, version: { block: "12", app: (h.version as { app: string }).app } },
    { ...h, version: { block: "11", app: "7" } },
    ...[
      "last_commit_hash",
      "data_hash",
      "validators_hash",
      "next_validators_hash",
      "consensus_hash",
      "app_hash",
      "last_results_hash",
      "evidence_hash",
      "proposer_address",
    ].map((f) => ({ ...h, [f]: flip(h[f] as string) })),
  ];
  for (const e of edits) assert.notEqual(toHex(cometHeaderHash(decodeCometHeader(e))), base);
});

test("the simple Merkle tree of RFC 6962: empty, one leaf, and an uneven split", () => {
  // crypto/merkle/tree.go: empty -> SHA-256(""); one leaf -> SHA-256(0x00 || leaf).
  assert.equal(
    toHex(merkleRoot([])),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    toHex(merkleRoot([new Uint8Array()])),
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  );
  // Three leaves split 2 + 1, so the root differs from a left-leaning 1 + 2 split.
  const [a, b, c] = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
  assert.equal(toHex(merkleRoot([a, b, c])), toHex(merkleRoot([a, b, c])));
  assert.notEqual(toHex(merkleRoot([a, b, c])), toHex(merkleRoot([c, b, a])));
});

test("RPC times keep their nanoseconds; impossible dates and other zones are refused", () => {
  assert.deepEqual(parseCometTime("2026-01-02T03:04:05.123456789Z"), {
    seconds: BigInt(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000),
    nanos: 123456789,
  });
  assert.deepEqual(parseCometTime("2026-01-02T03:04:05.5Z")?.nanos, 500_000_000);
  assert.equal(parseCometTime("2026-02-30T00:00:00Z"), undefined);
  assert.equal(parseCometTime("2026-01-02T03:04:05+01:00"), undefined);
  assert.equal(parseCometTime("2026-01-02T03:04:05.1234567891Z"), undefined);
});

test("a header missing a field, or with a hash of the wrong size, is PROOF_MALFORMED", () => {
  const h = plainFixture().signedHeader.header;
  for (const bad of [
    { ...h, validators_hash: "" },
    { ...h, app_hash: "ABCD" },
    { ...h, height: "0" },
    { ...h, height: 5 },
    { ...h, time: "yesterday" },
    { ...h, chain_id: "x".repeat(51) },
    { ...h, proposer_address: toHex(fromHex("00".repeat(32))!) },
  ]) {
    assert.throws(
      () => decodeCometHeader(bad),
      (e) => isError(e, "PROOF_MALFORMED"),
    );
  }
});
