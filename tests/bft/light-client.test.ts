/**
 * The light-client rules on a live four-validator CometBFT network (validator-change.ts): commits
 * before and after a `validator.set` change verify from the genesis alone, through the skipping
 * rule; an expired trust and a set the genesis validators signed with under 1/3 of their power are
 * refused; a checkpoint moves the trust forward; and a stopped node's state proofs, bundled with
 * the commit of the next height, verify end to end.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ErrorCode } from "../../src/core/errors/catalogue.js";
import { isError } from "../../src/core/errors/devicechain-error.js";
import { decodeCometCommit } from "../../src/core/proof/cometbft/commit.js";
import { decodeCometHeader } from "../../src/core/proof/cometbft/header-hash.js";
import { verifyLightHeader } from "../../src/core/proof/cometbft/light-client.js";
import {
  decodeValidatorSet,
  validatorsFromRpc,
} from "../../src/core/proof/cometbft/validator-set.js";
import { toCompactStateProof } from "../../src/core/proof/compact-state-proof.js";
import type { StateProof } from "../../src/core/proof/state-proof.js";
import { decodeTrust } from "../../src/core/proof/trust.js";
import { verifyProofBundle } from "../../src/core/proof/verify-bundle.js";
import type { TestNet } from "./test-net.js";
import { type Captured, type CapturedHeight, runValidatorChange } from "./validator-change.js";

const DAY = 86_400_000;

describe("the CometBFT light client against a live network", { timeout: 600_000 }, () => {
  let net: TestNet;
  let c: Captured;

  before(async () => {
    ({ net, captured: c } = await runValidatorChange());
  });
  after(async () => {
    await net?.close();
  });

  const timeOf = (h: CapturedHeight): number =>
    Date.parse((h.signedHeader.header as { time: string }).time);
  const verify = (h: CapturedHeight, trust: unknown, now = timeOf(h) + 1000): void => {
    const rpcValidators = validatorsFromRpc((h.validators as { validators: unknown }).validators);
    verifyLightHeader({
      trust: decodeTrust(trust).validators!,
      header: decodeCometHeader(h.signedHeader.header),
      commit: decodeCometCommit(h.signedHeader.commit),
      validators: decodeValidatorSet(rpcValidators, "validators", "PROOF_MALFORMED"),
      now,
      trustingPeriodMs: 14 * DAY,
    });
  };
  const refused = (f: () => void, code: ErrorCode): void =>
    assert.throws(f, (e: unknown) => isError(e, code), code);

  test("a commit of the genesis set, and one after the change, verify from the genesis", () => {
    verify(c.plain, c.genesis);
    verify(c.changed, c.genesis);
  });

  test("refused when the trust is expired, or the new set overlaps the trusted one too little", () => {
    const genesisTime = Date.parse(c.genesis.genesisTime as string);
    refused(() => verify(c.changed, c.genesis, genesisTime + 14 * DAY), "PROOF_TRUST_EXPIRED");
    refused(() => verify(c.lowOverlap, c.genesis), "PROOF_UNTRUSTED_VALIDATORS");
  });

  test("a checkpoint of the changed set verifies what the genesis cannot", () => {
    const checkpoint = {
      chainId: c.chainId,
      height: c.changed.height,
      time: timeOf(c.changed),
      validators: validatorsFromRpc((c.changed.validators as { validators: unknown }).validators),
    };
    verify(c.lowOverlap, checkpoint);
  });

  test("a stopped node's state proofs, with the next height's commit, verify as a bundle", () => {
    const next = c.proofs.next;
    const bundle = {
      version: 1,
      chainId: c.chainId,
      height: c.proofs.height,
      appHash: c.proofs.appHash,
      entries: c.proofs.entries.map((p) => toCompactStateProof(p as StateProof)),
      commit: {
        engine: "cometbft",
        signedHeader: next.signedHeader,
        validators: validatorsFromRpc((next.validators as { validators: unknown }).validators),
      },
    };
    const r = verifyProofBundle(JSON.parse(JSON.stringify(bundle)), c.genesis, {
      now: timeOf(next) + 1000,
    });
    assert.equal(r.height, c.proofs.height);
    assert.equal((r.entries[0]!.value as { id: string }).id, "operator-1");
    assert.equal(r.entries[1]!.value, null);
    assert.equal(r.checkpoint?.height, c.proofs.height + 1);
  });
});
