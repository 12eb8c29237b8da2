import path from "node:path";
import type { Genesis } from "../../core/machine/genesis.js";
import { LedgerApp } from "../../ledger/application.js";
import { LEDGER_DIR } from "../data-dir.js";
import type { NodeConfig } from "../node-config.js";
import type { Service } from "./service.js";

/** Open the ledger in DIR/ledger, on the chain of this genesis, with the configured mempool bounds. */
export async function startLedger(
  config: NodeConfig,
  genesis: Genesis,
): Promise<Service<LedgerApp>> {
  const app = LedgerApp.open(path.join(config.dataDir, LEDGER_DIR));
  try {
    app.initChain(genesis);
  } catch (e) {
    await app.close();
    throw e;
  }
  app.mempool.limits = {
    ...app.mempool.limits,
    maxPerKey: config.mempoolMaxPerKey,
    maxPerMember: config.mempoolMaxPerMember,
  };
  return { name: "ledger", value: app, stop: () => app.close() };
}
