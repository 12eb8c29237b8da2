/**
 * A check report checked against the ledger (core/check/report-proof.ts): its proof bundle,
 * trusting only the node key, proves the record that gives its verdict; a report whose claims
 * were changed after signing, or whose proof is of another device, is refused.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  CLEAN_PHONE,
  examplePhoneSteps,
  STOLEN_PHONE,
  STOLEN_PHONE_MAC,
} from "../../../tests/support/consortium.js";
import { type HttpApp, NODE_KEY, startHttpApp } from "../../../tests/support/http-app.js";
import type { CheckReport } from "../../core/check/check-report.js";
import { verifyReportProof } from "../../core/check/report-proof.js";
import { isError } from "../../core/errors/devicechain-error.js";

const refusedWith = (code: string) => (e: unknown) => isError(e) && e.code === code;

describe("a check report against its proof", () => {
  let t: HttpApp;
  let trust: { chainId: string; nodeKeys: string[] };
  const report = async (id: string): Promise<CheckReport> => {
    const r = await t.request(`/v1/check/${encodeURIComponent(id)}`);
    assert.equal(r.status, 200, r.text);
    return r.body as unknown as CheckReport;
  };
  const now = () => Date.now();

  before(async () => {
    t = await startHttpApp();
    await t.run(examplePhoneSteps());
    const stolen = await report(STOLEN_PHONE);
    trust = { chainId: stolen.chainId, nodeKeys: [NODE_KEY.keyId] };
  });
  after(() => t.close());

  test("a stolen phone, a clean one, one asked by its MAC and an unknown one are proved", async () => {
    const stolen = verifyReportProof(await report(STOLEN_PHONE), trust, { now: now() });
    assert.equal(stolen.device?.marks[0]?.kind, "stolen");
    assert.ok(verifyReportProof(await report(CLEAN_PHONE), trust, { now: now() }).device);
    const byMac = verifyReportProof(await report(STOLEN_PHONE_MAC), trust, { now: now() });
    assert.equal(byMac.bundle.entries.length, 2, "the alias entry and the record");
    const unknown = verifyReportProof(await report("356938035643809"), trust, { now: now() });
    assert.equal(unknown.device, undefined);
  });

  test("claims changed after signing, or another device's proof, are refused", async () => {
    const stolen = await report(STOLEN_PHONE);
    const clean = await report(CLEAN_PHONE);
    const cases: [string, CheckReport][] = [
      ["verdict", { ...stolen, verdict: "passed", reasons: [] }],
      ["reasons", { ...stolen, reasons: ["lost"] }],
      ["state", { ...stolen, state: "active" }],
      ["registration", { ...stolen, registered: false }],
      ["identifiers", { ...stolen, identifiers: stolen.identifiers.slice(0, 1) }],
      ["another device's proof", { ...clean, proof: stolen.proof } as CheckReport],
      ["another chain", { ...stolen, chainId: "another-chain" }],
    ];
    for (const [what, tampered] of cases) {
      assert.throws(
        () => verifyReportProof(tampered, trust, { now: now() }),
        refusedWith("CHECK_REPORT_PROOF_MISMATCH"),
        what,
      );
    }
    const { proof: _, ...withoutProof } = stolen;
    assert.throws(
      () => verifyReportProof(withoutProof as CheckReport, trust, { now: now() }),
      refusedWith("CHECK_REPORT_PROOF_MISMATCH"),
    );
  });

  test("a proof under another node key is refused by the bundle's own verifier", async () => {
    const stolen = await report(STOLEN_PHONE);
    const other = { chainId: trust.chainId, nodeKeys: ["A".repeat(43)] };
    assert.throws(
      () => verifyReportProof(stolen, other, { now: now() }),
      refusedWith("HEADER_SIGNER_UNTRUSTED"),
    );
  });
});
