/**
 * verifyProofBundle, step by step, on complete real bundles: a CometBFT one assembled from the
 * fixtures of a real four-validator network (tests/fixtures/cometbft/: a stopped node's state
 * proofs and the commit of the height that carries their app hash). Every field is tampered in
 * turn, and each tamper is refused with its code. The embedded engine's bundles, from a real
 * LedgerApp, are tested in src/ledger/embedded-bundle.test.ts.
 */
import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  bundleValidators,
  changedFixture,
  cometBundleFixture,
  genesisFixture,
  lowOverlapFixture,
  plainFixture,
  proofsFixture,
  timeOf,
} from "../../../tests/support/comet-fixtures.js";
import { testSigner } from "../../../tests/support/signers.js";
import type { ErrorCode } from "../errors/catalogue.js";
import { isError } from "../errors/devicechain-error.js";
import { memberKey } from "../state/keys.js";
import { decodeCometCommit } from "./cometbft/commit.js";
import { decodeCometHeader } from "./cometbft/header-hash.js";
import { verifyLightHeader } from "./cometbft/light-client.js";
import { decodeValidatorSet } from "./cometbft/validator-set.js";
import type { TrustJson } from "./proof-bundle.js";
import { decodeTrust } from "./trust.js";
import { verifyProofBundle } from "./verify-bundle.js";

// biome-ignore lint/suspicious/noExplicitAny: tampering reaches into any field of the JSON
type Any = any;
const clone = <T>(v: T): T => structuredClone(v);

const genesis = genesisFixture();
const bundle = cometBundleFixture();
/** Shortly after the bundle's header: inside the trusting period of the genesis. */
const NOW = timeOf(proofsFixture().next, 1000);

function refuses(
  b: unknown,
  trust: unknown,
  code: ErrorCode,
  now = NOW,
  what: string = code,
): void {
  assert.throws(
    () => verifyProofBundle(b, trust, { now }),
    (e: unknown) => {
      assert.ok(isError(e), `${what}: ${String(e)}`);
      assert.equal(e.code, code, `${what}: ${e.message}`);
      return true;
    },
  );
}

/** Flip a hex or base64 string's first character to another valid one. */
const flipFirst = (s: string): string => (s[0] === "A" ? "B" : "A") + s.slice(1);
/** Change the last character of a base64url hash, keeping it 32 bytes. */
const flipLast = (s: string): string => s.slice(0, -1) + (s.endsWith("A") ? "Q" : "A");

describe("a CometBFT bundle from a real network", () => {
  test("verifies from the genesis, proving the member record and the absent device", () => {
    const r = verifyProofBundle(bundle, genesis, { now: NOW });
    assert.equal(r.engine, "cometbft");
    assert.equal(r.height, proofsFixture().height);
    assert.equal(r.entries.length, 2);
    assert.equal(r.entries[0]!.key, memberKey("operator-1"));
    assert.equal((r.entries[0]!.value as { id: string }).id, "operator-1");
    assert.equal(r.entries[1]!.value, null);
    assert.equal(r.checkpoint?.height, r.height + 1);
    assert.deepEqual(
      r.checkpoint?.validators,
      bundle.commit.engine === "cometbft" ? bundle.commit.validators : [],
    );
    // The checkpoint is itself a trust the same bundle verifies from.
    assert.equal(verifyProofBundle(bundle, r.checkpoint, { now: NOW }).height, r.height);
  });

  test("the bundle's own fields: version, chain id, height, app hash", () => {
    refuses({ ...bundle, version: 2 }, genesis, "PROOF_UNKNOWN_VERSION");
    refuses({ ...bundle, version: undefined }, genesis, "PROOF_UNKNOWN_VERSION");
    refuses({ ...bundle, chainId: "another-chain" }, genesis, "PROOF_WRONG_CHAIN");
    refuses(bundle, { ...genesis, chainId: "another-chain" }, "PROOF_WRONG_CHAIN");
    refuses({ ...bundle, height: bundle.height + 1 }, genesis, "PROOF_HEIGHT_MISMATCH");
    refuses({ ...bundle, height: bundle.height - 1 }, genesis, "PROOF_HEIGHT_MISMATCH");
    const otherHash = `${bundle.appHash.slice(0, -1)}${bundle.appHash.endsWith("0") ? "1" : "0"}`;
    refuses({ ...bundle, appHash: otherHash }, genesis, "PROOF_APP_HASH_MISMATCH");
    refuses({ ...bundle, appHash: bundle.appHash.toUpperCase() }, genesis, "PROOF_MALFORMED");
    refuses({ ...bundle, entries: [] }, genesis, "PROOF_MALFORMED");
    refuses(
      { ...bundle, commit: { ...bundle.commit, engine: "other" } },
      genesis,
      "PROOF_MALFORMED",
    );
    refuses("not a bundle", genesis, "PROOF_MALFORMED");
  });

  test("every header field: the header no longer hashes to the block id the commit signs", () => {
    const header = (bundle.commit as Any).signedHeader.header as Record<string, Any>;
    for (const field of Object.keys(header)) {
      const b = clone(bundle) as Any;
      const h = b.commit.signedHeader.header;
      if (field === "chain_id") continue; // the chain step comes first; below
      if (field === "version") h.version.block = String(Number(h.version.block) + 1);
      else if (field === "height") h.height = String(Number(h.height) + 1);
      else if (field === "time") h.time = "2030-01-01T00:00:00.000000001Z";
      else if (field === "last_block_id") h.last_block_id.hash = flipFirst(h.last_block_id.hash);
      else h[field] = flipFirst(h[field]);
      refuses(b, genesis, "PROOF_COMMIT_MISMATCH", NOW, `header.${field}`);
    }
    const b = clone(bundle) as Any;
    b.commit.signedHeader.header.last_block_id.parts.total += 1;
    refuses(b, genesis, "PROOF_COMMIT_MISMATCH", NOW, "header.last_block_id.parts");
    const c = clone(bundle) as Any;
    c.commit.signedHeader.header.chain_id = "another-chain";
    refuses(c, genesis, "PROOF_WRONG_CHAIN");
  });

  test("the commit's own fields", () => {
    const edit = (f: (c: Any) => void): unknown => {
      const b = clone(bundle) as Any;
      f(b.commit.signedHeader.commit);
      return b;
    };
    refuses(
      edit((c) => {
        c.height = String(Number(c.height) + 1);
      }),
      genesis,
      "PROOF_COMMIT_MISMATCH",
    );
    refuses(
      edit((c) => {
        c.block_id.hash = flipFirst(c.block_id.hash);
      }),
      genesis,
      "PROOF_COMMIT_MISMATCH",
    );
    refuses(
      edit((c) => {
        c.round += 1;
      }),
      genesis,
      "PROOF_FORGED_SIGNATURE",
    );
    refuses(
      edit((c) => {
        c.block_id.parts.hash = flipFirst(c.block_id.parts.hash);
      }),
      genesis,
      "PROOF_FORGED_SIGNATURE",
    );
    refuses(
      edit((c) => {
        c.block_id.parts.total += 1;
      }),
      genesis,
      "PROOF_FORGED_SIGNATURE",
    );
    refuses(
      edit((c) => {
        c.signatures.pop();
      }),
      genesis,
      "PROOF_COMMIT_MISMATCH",
    );
  });

  test("every signature, its timestamp and its validator address", () => {
    const sigs = (bundle.commit as Any).signedHeader.commit.signatures as Any[];
    let signedVotes = 0;
    sigs.forEach((s, i) => {
      if (s.block_id_flag !== 2) return;
      signedVotes++;
      const edit = (f: (s: Any) => void): unknown => {
        const b = clone(bundle) as Any;
        f(b.commit.signedHeader.commit.signatures[i]);
        return b;
      };
      refuses(
        edit((x) => {
          x.signature = flipFirst(x.signature);
        }),
        genesis,
        "PROOF_FORGED_SIGNATURE",
        NOW,
        `sig ${i}`,
      );
      refuses(
        edit((x) => {
          x.timestamp = "2030-01-01T00:00:00Z";
        }),
        genesis,
        "PROOF_FORGED_SIGNATURE",
        NOW,
        `ts ${i}`,
      );
      const other = sigs.find((o, j) => j !== i && o.validator_address)
        ?.validator_address as string;
      refuses(
        edit((x) => {
          x.validator_address = other;
        }),
        genesis,
        "PROOF_UNKNOWN_VALIDATOR",
        NOW,
        `addr ${i}`,
      );
      refuses(
        edit((x) => {
          x.signature = "AAAA";
        }),
        genesis,
        "PROOF_MALFORMED",
        NOW,
        `short ${i}`,
      );
    });
    assert.ok(signedVotes >= 3);
  });

  test("dropping votes: still accepted above 2/3 of the power, refused at or below it", () => {
    const b = clone(bundle) as Any;
    const set = decodeValidatorSet(b.commit.validators, "s", "PROOF_MALFORMED");
    const sigs = b.commit.signedHeader.commit.signatures as Any[];
    // Drop the smallest-power votes first until what is left is no more than 2/3.
    const order = sigs
      .map((_, i) => i)
      .filter((i) => sigs[i].block_id_flag === 2)
      .reverse();
    let left = order.reduce((n, i) => n + set.validators[i]!.power, 0n);
    for (const i of order) {
      sigs[i] = {
        block_id_flag: 1,
        validator_address: "",
        timestamp: "0001-01-01T00:00:00Z",
        signature: null,
      };
      left -= set.validators[i]!.power;
      if (left * 3n <= set.totalPower * 2n) break;
      assert.equal(verifyProofBundle(b, genesis, { now: NOW }).height, bundle.height);
    }
    refuses(b, genesis, "PROOF_INSUFFICIENT_SIGNATURES");
  });

  test("every validator's key and power, the order and the list", () => {
    const vals = (bundle.commit as Any).validators as Any[];
    vals.forEach((_, i) => {
      const key = clone(bundle) as Any;
      key.commit.validators[i].pubKey = flipFirst(key.commit.validators[i].pubKey);
      refuses(key, genesis, "PROOF_VALIDATORS_MISMATCH", NOW, `key ${i}`);
      const power = clone(bundle) as Any;
      power.commit.validators[i].power += 1;
      refuses(power, genesis, "PROOF_VALIDATORS_MISMATCH", NOW, `power ${i}`);
    });
    const swapped = clone(bundle) as Any;
    swapped.commit.validators.reverse();
    refuses(swapped, genesis, "PROOF_VALIDATORS_MISMATCH");
    const fewer = clone(bundle) as Any;
    fewer.commit.validators.pop();
    refuses(fewer, genesis, "PROOF_VALIDATORS_MISMATCH");
    const twice = clone(bundle) as Any;
    twice.commit.validators.push(twice.commit.validators[0]);
    refuses(twice, genesis, "PROOF_DUPLICATE_VALIDATOR");
  });

  test("every entry field, leaf and path element", () => {
    bundle.entries.forEach((entry, i) => {
      const edit = (f: (e: Any) => void): unknown => {
        const b = clone(bundle) as Any;
        f(b.entries[i]);
        return b;
      };
      const absent = entry.value === null;
      refuses(
        edit((e) => {
          e.value = absent ? { id: "x" } : { ...e.value, status: "x" };
        }),
        genesis,
        "PROOF_VALUE_MISMATCH",
        NOW,
        `value ${i}`,
      );
      if (!absent)
        refuses(
          edit((e) => {
            e.value = null;
          }),
          genesis,
          "PROOF_VALUE_MISMATCH",
          NOW,
          `null ${i}`,
        );
      // Another key sits in another bucket: its listing's leaves are not its own, or its path
      // leads elsewhere.
      refuses(
        edit((e) => {
          e.key = `${e.key}-other`;
        }),
        genesis,
        absent && entry.leaves.length === 0 ? "PROOF_ROOT_MISMATCH" : "PROOF_MALFORMED",
        NOW,
        `key ${i}`,
      );
      entry.leaves.forEach((_, j) => {
        refuses(
          edit((e) => {
            e.leaves[j][1] = flipLast(e.leaves[j][1]);
          }),
          genesis,
          absent ? "PROOF_ROOT_MISMATCH" : "PROOF_VALUE_MISMATCH",
          NOW,
          `leaf ${i}.${j} value hash`,
        );
        refuses(
          edit((e) => {
            e.leaves[j][0] = flipLast(e.leaves[j][0]);
          }),
          genesis,
          absent ? "PROOF_ROOT_MISMATCH" : "PROOF_VALUE_MISMATCH",
          NOW,
          `leaf ${i}.${j} key hash`,
        );
        refuses(
          edit((e) => {
            e.leaves.splice(j, 1);
          }),
          genesis,
          absent ? "PROOF_ROOT_MISMATCH" : "PROOF_VALUE_MISMATCH",
          NOW,
          `leaf ${i}.${j} removed`,
        );
      });
      entry.path.forEach((_, j) => {
        refuses(
          edit((e) => {
            e.path[j] = flipLast(e.path[j]);
          }),
          genesis,
          "PROOF_ROOT_MISMATCH",
          NOW,
          `path ${i}.${j}`,
        );
      });
      refuses(
        edit((e) => {
          e.path.pop();
        }),
        genesis,
        "PROOF_MALFORMED",
        NOW,
        `path ${i} short`,
      );
    });
  });

  test("any single byte of any signature, changed, is refused (property)", () => {
    const sigs = (bundle.commit as Any).signedHeader.commit.signatures as Any[];
    const signedIdx = sigs.map((s, i) => (s.block_id_flag === 2 ? i : -1)).filter((i) => i >= 0);
    fc.assert(
      fc.property(
        fc.constantFrom(...signedIdx),
        fc.nat(63),
        fc.integer({ min: 1, max: 255 }),
        (i, at, x) => {
          const b = clone(bundle) as Any;
          const raw = Buffer.from(b.commit.signedHeader.commit.signatures[i].signature, "base64");
          raw[at]! ^= x;
          b.commit.signedHeader.commit.signatures[i].signature = raw.toString("base64");
          assert.throws(
            () => verifyProofBundle(b, genesis, { now: NOW }),
            (e) => isError(e, "PROOF_FORGED_SIGNATURE"),
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("the light-client rules on the captured heights", () => {
  const trust = decodeTrust(genesis).validators!;
  const check = (
    h: ReturnType<typeof plainFixture>,
    t = trust,
    now = timeOf(h, 1000),
    periodMs = 14 * 86_400_000,
  ) =>
    verifyLightHeader({
      trust: t,
      header: decodeCometHeader(h.signedHeader.header),
      commit: decodeCometCommit(h.signedHeader.commit),
      validators: decodeValidatorSet(bundleValidators(h), "s", "PROOF_MALFORMED"),
      now,
      trustingPeriodMs: periodMs,
    });
  const codeOf = (f: () => void): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return isError(e) ? e.code : String(e);
    }
  };

  test("the genesis set's own height verifies (same set), and the changed set's by skipping", () => {
    check(plainFixture());
    check(changedFixture());
  });

  test("a set the genesis validators signed with under 1/3 of their power is not trusted", () => {
    assert.equal(
      codeOf(() => check(lowOverlapFixture())),
      "PROOF_UNTRUSTED_VALIDATORS",
    );
  });

  test("from a checkpoint of the changed set, the low-overlap height verifies", () => {
    const changed = changedFixture();
    const checkpoint: TrustJson = {
      chainId: genesis.chainId as string,
      height: changed.height,
      time: timeOf(changed),
      validators: bundleValidators(changed),
    };
    check(lowOverlapFixture(), decodeTrust(checkpoint).validators!);
    // ...but that checkpoint does not reach back before itself.
    assert.equal(
      codeOf(() => check(plainFixture(), decodeTrust(checkpoint).validators!)),
      "PROOF_HEADER_BEFORE_TRUST",
    );
  });

  test("the trusting period: expired at genesis + period, and configurable", () => {
    const h = changedFixture();
    const start = Date.parse(genesis.genesisTime as string);
    assert.equal(
      codeOf(() => check(h, trust, start + 14 * 86_400_000)),
      "PROOF_TRUST_EXPIRED",
    );
    assert.equal(
      codeOf(() => check(h, trust, start + 3_600_000, 3_600_000)),
      "PROOF_TRUST_EXPIRED",
    );
    assert.equal(
      codeOf(() => check(h, trust, timeOf(h, 1000), 14 * 86_400_000)),
      undefined,
    );
    refuses(bundle, genesis, "PROOF_TRUST_EXPIRED", start + 15 * 86_400_000);
    assert.equal(
      verifyProofBundle(bundle, genesis, {
        now: start + 15 * 86_400_000,
        trustingPeriodMs: 16 * 86_400_000,
      }).height,
      bundle.height,
    );
  });

  test("a header more than 10 s ahead of now is from the future", () => {
    const h = changedFixture();
    assert.equal(
      codeOf(() => check(h, trust, timeOf(h, -10_001))),
      "PROOF_HEADER_FROM_FUTURE",
    );
    assert.equal(
      codeOf(() => check(h, trust, timeOf(h, -9_000))),
      undefined,
    );
  });

  test("a genesis without a time is trusted from 0, so expired under any period", () => {
    const { genesisTime: _, ...noTime } = genesis;
    assert.equal(decodeTrust({ ...noTime, members: [] }).time, 0);
    refuses(bundle, { ...noTime, members: [] }, "PROOF_TRUST_EXPIRED");
  });

  test("trust files that trust nothing, or are not trust files, are TRUST_INVALID", () => {
    for (const bad of [
      null,
      [],
      { chainId: "" },
      { chainId: "c" },
      { chainId: "c", nodeKeys: ["x"] },
      { chainId: "c", validators: [] },
      { chainId: "c", height: -1, nodeKeys: [testSigner("n").keyId] },
    ]) {
      assert.throws(
        () => decodeTrust(bad),
        (e) => isError(e, "TRUST_INVALID"),
        JSON.stringify(bad),
      );
    }
    refuses(
      bundle,
      { chainId: genesis.chainId, nodeKeys: [testSigner("n").keyId] },
      "TRUST_INVALID",
    );
  });
});
