import { isKeyId, verifyEd25519 } from "../../core/crypto/ed25519.js";
import { fromBase64Url } from "../../core/encoding/bytes.js";
import { canonicalBytes } from "../../core/encoding/canonical-json.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { Account } from "../../core/machine/account.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";

/** A signed request is good for this long either side of the node's clock. */
const MAX_SKEW_MS = 5 * 60_000;

/** A request signed by a member's or owner's key: `sig` is Ed25519 over its canonical JSON. */
export interface SignedRequest {
  readonly request: Record<string, unknown>;
  readonly sig: string;
}

export const signedRequestSchema = {
  type: "object",
  required: ["request", "sig"],
  additionalProperties: false,
  properties: {
    request: {
      type: "object",
      required: ["chain", "key", "time"],
      properties: {
        chain: { type: "string" },
        key: { type: "string" },
        time: { type: "integer" },
      },
    },
    sig: { type: "string" },
  },
} as const;

/**
 * The account behind a signed request, after checking its operation, chain, time and signature.
 * A request signed for one operation is refused by the others, so that one seen in transit cannot
 * be replayed to do something else within its 5 minutes. `op` absent is taken as `defaultOp`.
 */
export function verifySignedRequest(
  reads: LedgerReads,
  now: number,
  { request, sig }: SignedRequest,
  op: string,
  defaultOp?: string,
): Account {
  if ((request.op ?? defaultOp) !== op) {
    throw makeError("REQUEST_BAD_PARAMS", `request.op must be "${op}" for this operation`);
  }
  if (request.chain !== reads.chainId) {
    throw makeError("TX_WRONG_CHAIN", `This node serves chain ${reads.chainId}`);
  }
  const key = String(request.key);
  if (!isKeyId(key)) throw makeError("REQUEST_BAD_PARAMS", "key must be an Ed25519 key id");
  if (Math.abs(now - Number(request.time)) > MAX_SKEW_MS) {
    throw makeError("REQUEST_BAD_PARAMS", "time must be within 5 minutes of the node's clock");
  }
  const signature = fromBase64Url(sig);
  if (!signature || !verifyEd25519(key, canonicalBytes(request), signature)) {
    throw makeError("TX_BAD_SIGNATURE");
  }
  return reads.account(key);
}
