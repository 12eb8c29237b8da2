import * as assert from "node:assert/strict";
import { test } from "node:test";
import { signerFromSeed } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { utf8 } from "../encoding/bytes.js";
import { isError } from "../errors/devicechain-error.js";
import { parseIdentifier } from "../identifiers/identifier.js";
import type { TacDb } from "../identifiers/tac-db.js";
import { buildCheckReport, type CheckReport, checkReportId } from "./check-report.js";
import { reportSigningBytes, signCheckReport, verifyCheckReport } from "./report-signature.js";

const node = signerFromSeed(sha256(utf8("test:node")));
const other = signerFromSeed(sha256(utf8("test:other")));
const tacs: TacDb = { attribution: "a", size: 0, lookup: () => undefined };
const asked = parseIdentifier("490154203237518", "person");
const unsigned = buildCheckReport(
  {
    chainId: "devicechain-test",
    height: 3,
    time: 1_767_225_600_000,
    asked,
    input: "490154203237518",
    device: undefined,
    identifiers: [asked],
    organisations: [],
  },
  tacs,
);
const signed = signCheckReport(node, unsigned);
/** As a client receives it: through JSON. */
const wire = (r: unknown): unknown => JSON.parse(JSON.stringify(r));

test("a signed report verifies through JSON, under the node's key", () => {
  const r = verifyCheckReport(wire(signed), [node.keyId]);
  assert.equal(r.id, unsigned.id);
  assert.equal(signed.signature?.keyId, node.keyId);
});

test("the signed bytes are domain-tagged canonical JSON of the report without its signature", () => {
  const text = new TextDecoder().decode(reportSigningBytes(signed));
  assert.ok(text.startsWith("devicechain/check-report/v1\n{"));
  assert.ok(!text.includes('"signature"'));
  assert.ok(text.includes(`"id":"${unsigned.id}"`));
});

test("a tampered claim whose id is recomputed still fails its signature", () => {
  const forged = { ...signed, verdict: "passed", reasons: [] } as CheckReport;
  const rehashed = { ...forged, id: checkReportId(forged) };
  assert.throws(
    () => verifyCheckReport(wire(rehashed), [node.keyId]),
    (e) => isError(e, "CHECK_REPORT_BAD_SIGNATURE"),
  );
});

test("each refusal has its code", () => {
  const refuse = (r: unknown, code: Parameters<typeof isError>[1], trusted = [node.keyId]) =>
    assert.throws(
      () => verifyCheckReport(wire(r), trusted),
      (e) => isError(e, code),
      String(code),
    );
  refuse({ ...signed, verdict: "passed", reasons: [] }, "CHECK_REPORT_ID_MISMATCH");
  refuse({ ...signed, height: 4 }, "CHECK_REPORT_ID_MISMATCH");
  refuse(signed, "CHECK_REPORT_SIGNER_UNTRUSTED", [other.keyId]);
  refuse(signCheckReport(other, unsigned), "CHECK_REPORT_SIGNER_UNTRUSTED");
  refuse(
    {
      ...signed,
      signature: { keyId: node.keyId, sig: signCheckReport(other, unsigned).signature?.sig },
    },
    "CHECK_REPORT_BAD_SIGNATURE",
  );
  refuse(
    { ...signed, signature: { keyId: node.keyId, sig: "not base64url!" } },
    "CHECK_REPORT_BAD_SIGNATURE",
  );
  refuse(unsigned, "CHECK_REPORT_MALFORMED");
  refuse({ ...signed, version: 2 }, "CHECK_REPORT_MALFORMED");
  refuse("a report", "CHECK_REPORT_MALFORMED");
  refuse({ ...signed, signature: { keyId: 1 } }, "CHECK_REPORT_MALFORMED");
  refuse({ ...signed, ownershipChanges: 0.5 }, "CHECK_REPORT_MALFORMED");
  // A proof of a later height, or of another chain, cannot be passed off as this report's, even
  // re-signed (one of an earlier height is allowed: CometBFT's bundle after an idle block).
  for (const proof of [
    { chainId: "devicechain-test", height: 4 },
    { chainId: "another-chain", height: 3 },
    { chainId: "devicechain-test" },
  ]) {
    refuse(
      signCheckReport(node, { ...unsigned, proof: proof as never }),
      "CHECK_PROOF_HEIGHT_MISMATCH",
    );
  }
  const earlier = signCheckReport(node, {
    ...unsigned,
    proof: { chainId: "devicechain-test", height: 2 } as never,
  });
  assert.equal(verifyCheckReport(earlier, [node.keyId]).height, 3);
});

test("a tampered proof is covered by the signature", () => {
  const proof = { chainId: "devicechain-test", height: 3, appHash: "00" } as never;
  const r = signCheckReport(node, { ...unsigned, proof });
  verifyCheckReport(wire(r), [node.keyId]);
  const tampered = { ...r, proof: { chainId: "devicechain-test", height: 3, appHash: "11" } };
  assert.throws(
    () => verifyCheckReport(wire(tampered), [node.keyId]),
    (e) => isError(e, "CHECK_REPORT_BAD_SIGNATURE"),
  );
});
