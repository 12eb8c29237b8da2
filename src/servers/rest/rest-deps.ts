import type { TxEngine } from "../../ledger/engine/tx-engine.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";
import type { ProofSource } from "../../ledger/read/proof-source.js";
import type { NodeMetrics } from "../metrics/node-metrics.js";

/** What the REST routes are given explicitly; they share nothing else. */
export interface RestDeps {
  /** Every ledger read the routes answer. */
  readonly reads: LedgerReads;
  readonly engine: TxEngine;
  readonly metrics: NodeMetrics;
  readonly dev: boolean;
  readonly commitTimeoutMs: number;
  /** False while the node starts (e.g. seeding the demo) and once it is closing. */
  readonly ready: () => boolean;
  /** Proof bundles for the engine that runs; undefined leaves GET /v1/devices/{id}/proof out. */
  readonly proofs?: ProofSource | undefined;
}

/** A JSON object with any properties, for OpenAPI descriptions of open-ended replies. */
export const anyObject = { type: "object", additionalProperties: true } as const;

export const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "A stable code from the error catalogue" },
        message: { type: "string" },
        data: { type: "object", additionalProperties: true },
      },
    },
  },
} as const;
