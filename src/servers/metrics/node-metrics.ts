import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CommittedBlock, LedgerApp } from "../../ledger/application.js";

/** One node's Prometheus metrics, in a registry of its own (no global default registry). */
export interface NodeMetrics {
  readonly registry: Registry;
  readonly eirRequests: Counter<"status">;
  readonly httpErrors: Counter<"code">;
  /** Stop listening to the ledger. */
  readonly detach: () => void;
}

/** `pending` counts the engine's transactions waiting for a block; it is read at each scrape. */
export function createNodeMetrics(app: LedgerApp, pending: () => number): NodeMetrics {
  const registry = new Registry();
  const height = new Gauge({
    name: "devicechain_block_height",
    help: "Height of the last committed block.",
    registers: [registry],
  });
  const txs = new Counter({
    name: "devicechain_txs_total",
    help: "Committed transactions by result code.",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const blockTxs = new Histogram({
    name: "devicechain_block_txs",
    help: "Transactions per committed block.",
    buckets: [1, 10, 100, 500, 1_000, 2_000, 5_000],
    registers: [registry],
  });
  new Gauge({
    name: "devicechain_mempool_size",
    help: "Transactions waiting for a block.",
    registers: [registry],
    collect() {
      this.set(pending());
    },
  });
  const eirRequests = new Counter({
    name: "devicechain_eir_requests_total",
    help: "N5g-eir equipment-status answers by status (or UNKNOWN, ERROR).",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const httpErrors = new Counter({
    name: "devicechain_http_errors_total",
    help: "REST error replies by code.",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const refused = new Counter({
    name: "devicechain_mempool_refused_total",
    help: "Transactions refused admission to the mempool (never broadcast, never in a block), by code.",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  const onRefused = (code: string): void => {
    refused.inc({ code });
  };
  app.on("refused", onRefused);
  height.set(app.info().lastBlockHeight);
  const onCommit = ({ block, results }: CommittedBlock): void => {
    height.set(block.header.height);
    blockTxs.observe(results.length);
    for (const r of results) txs.inc({ code: r.codeName });
  };
  app.on("commit", onCommit);
  const detach = (): void => {
    app.off("commit", onCommit);
    app.off("refused", onRefused);
  };
  return { registry, eirRequests, httpErrors, detach };
}
