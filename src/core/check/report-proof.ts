import { makeError } from "../errors/devicechain-error.js";
import { type VerifiedBundle, verifyProofBundle } from "../proof/verify-bundle.js";
import type { Device } from "../state/device.js";
import { deviceState } from "../state/device-state.js";
import { DEVICE_PREFIX } from "../state/keys.js";
import { type CheckReport, checkVerdict } from "./check-report.js";

/** What a report's proof established, beyond its signature. */
export interface ProvenReport {
  readonly bundle: VerifiedBundle;
  /** The device record the ledger holds at the proof's height, or undefined: proved absent. */
  readonly device: Device | undefined;
}

const mismatch = (what: string) =>
  makeError("CHECK_REPORT_PROOF_MISMATCH", `The report's ${what} is not what its proof proves`);

/**
 * Check a report against the ledger, trusting only `trust` (a genesis or a checkpoint): its proof
 * bundle verifies (verifyProofBundle's codes), is of the report's chain and of a height not after
 * the report's, and the record it proves gives the report's claims that decide a purchase: that
 * the device is registered or not, its identifiers, its state, and the verdict and reasons the
 * record and the report's validity claims give (checkVerdict, the node's own rule). The TAC
 * database and the history's organisation names are not on the ledger: a buyer trusts the
 * node's signature for those. CHECK_REPORT_PROOF_MISMATCH names the first claim that differs.
 */
export function verifyReportProof(
  report: CheckReport,
  trust: unknown,
  opts: { readonly now: number; readonly trustingPeriodMs?: number },
): ProvenReport {
  if (report.proof === undefined) {
    throw makeError("CHECK_REPORT_PROOF_MISMATCH", "The report carries no proof bundle");
  }
  const bundle = verifyProofBundle(report.proof, trust, opts);
  if (bundle.chainId !== report.chainId) throw mismatch("chain");
  if (bundle.height > report.height) throw mismatch("height");
  const records = bundle.entries.filter((e) => e.key.startsWith(DEVICE_PREFIX));
  if (records.length !== 1) throw mismatch("device record");
  const device = (records[0]?.value ?? undefined) as Device | undefined;
  if (report.registered !== (device !== undefined)) throw mismatch("registration");
  if (device !== undefined) {
    const ids = report.identifiers.map((i) => i.key);
    if (ids.length !== device.ids.length || ids.some((id, i) => id !== device.ids[i])) {
      throw mismatch("identifiers");
    }
    if (report.state !== deviceState(device)) throw mismatch("state");
  }
  const { verdict, reasons } = checkVerdict({
    device,
    checkDigit: report.validity.checkDigit,
    tacKnown: report.validity.tacKnown,
  });
  if (verdict !== report.verdict || reasons.join() !== report.reasons.join()) {
    throw mismatch("verdict");
  }
  return { bundle, device };
}
