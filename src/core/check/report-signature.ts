import { type Signer, verifyEd25519 } from "../crypto/ed25519.js";
import { fromBase64Url, toBase64Url, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import { isError, makeError } from "../errors/devicechain-error.js";
import { type CheckReport, checkReportId } from "./check-report.js";

/** The domain tag: a report signature can never pass for a transaction's or a header's. */
const DOMAIN = "devicechain/check-report/v1\n";

/**
 * The exact bytes a report's signature covers: the domain tag, then the RFC 8785 canonical JSON
 * of the whole report (id and proof included) without its `signature`.
 */
export function reportSigningBytes(report: CheckReport): Uint8Array {
  const { signature: _signature, ...unsigned } = report;
  return utf8(DOMAIN + canonicalize(unsigned));
}

/** The report with the node's detached signature: one Ed25519 signature by the node key. */
export function signCheckReport(signer: Signer, report: CheckReport): CheckReport {
  const { signature: _old, ...unsigned } = report;
  const sig = toBase64Url(signer.sign(reportSigningBytes(unsigned)));
  return { ...unsigned, signature: { keyId: signer.keyId, sig } };
}

/**
 * Verify a check report as parsed from JSON, trusting only the given node key ids; returns it.
 * The steps, in order: its shape (CHECK_REPORT_MALFORMED), its id is the hash of its claims
 * (CHECK_REPORT_ID_MISMATCH), its proof, if any, is of its chain and of its height or one before
 * it (CometBFT after an idle block: the same state; CHECK_PROOF_HEIGHT_MISMATCH), it is signed by a trusted key (CHECK_REPORT_SIGNER_UNTRUSTED)
 * and the signature verifies over these exact bytes (CHECK_REPORT_BAD_SIGNATURE). The proof
 * bundle itself is checked by the proof verifier, against the caller's trust.
 */
export function verifyCheckReport(
  json: unknown,
  trusted: ReadonlySet<string> | readonly string[],
): CheckReport {
  const report = reportShape(json);
  let id: string;
  try {
    id = checkReportId(report);
  } catch (cause) {
    // canonicalize refuses floats and lone surrogates, which no node writes.
    if (isError(cause))
      throw makeError("CHECK_REPORT_MALFORMED", "The report is not canonical JSON", { cause });
    throw cause;
  }
  if (id !== report.id) {
    throw makeError("CHECK_REPORT_ID_MISMATCH", `The report's id is not ${id}`);
  }
  const proof = report.proof as { chainId?: unknown; height?: unknown } | undefined;
  const proofHeight = proof?.height;
  if (
    proof !== undefined &&
    (typeof proofHeight !== "number" ||
      proofHeight > report.height ||
      proof.chainId !== report.chainId)
  ) {
    throw makeError(
      "CHECK_PROOF_HEIGHT_MISMATCH",
      "The proof is not of the report's chain, at its height or before",
    );
  }
  const signature = report.signature;
  if (signature === undefined)
    throw makeError("CHECK_REPORT_MALFORMED", "The report is not signed");
  if (!new Set(trusted).has(signature.keyId)) {
    throw makeError(
      "CHECK_REPORT_SIGNER_UNTRUSTED",
      `The report is signed by ${signature.keyId}, which is not trusted`,
    );
  }
  const sig = fromBase64Url(signature.sig);
  if (!sig || !verifyEd25519(signature.keyId, reportSigningBytes(report), sig)) {
    throw makeError("CHECK_REPORT_BAD_SIGNATURE", "The report's signature does not verify");
  }
  return report;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Enough of a report's shape to hash and verify it; the claims are covered by id and signature. */
function reportShape(json: unknown): CheckReport {
  if (
    !isObject(json) ||
    json["version"] !== 1 ||
    typeof json["id"] !== "string" ||
    typeof json["chainId"] !== "string" ||
    !Number.isSafeInteger(json["height"]) ||
    typeof json["verdict"] !== "string" ||
    !Array.isArray(json["reasons"]) ||
    (json["proof"] !== undefined && !isObject(json["proof"]))
  ) {
    throw makeError(
      "CHECK_REPORT_MALFORMED",
      "A check report is {version: 1, id, chainId, height, verdict, reasons, …}",
    );
  }
  const s = json["signature"];
  if (
    s !== undefined &&
    (!isObject(s) || typeof s["keyId"] !== "string" || typeof s["sig"] !== "string")
  ) {
    throw makeError("CHECK_REPORT_MALFORMED", "A report signature is {keyId, sig}, both base64url");
  }
  return json as unknown as CheckReport;
}
