import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Signer } from "../../core/crypto/ed25519.js";
import { sha256 } from "../../core/crypto/hash.js";
import { toHex } from "../../core/encoding/bytes.js";
import { canonicalBytes } from "../../core/encoding/canonical-json.js";
import { lastNonce } from "../../core/machine/verify.js";
import { encodeTx, signTx } from "../../core/tx/transaction.js";
import type { TxEngine } from "../../ledger/engine/tx-engine.js";
import { detectClone } from "./clone-rules.js";
import type { Observation, ObservationLog } from "./observation-log.js";

export interface CloneDetectorOptions {
  readonly log: ObservationLog;
  readonly engine: TxEngine;
  /** The operator member's key that signs clone.suspect; without it findings are only logged. */
  readonly signer: Signer | undefined;
  /** Where the evidence of each finding is kept, named by its hash. */
  readonly evidenceDir: string;
  readonly logger: Logger;
}

/**
 * Runs the clone rules on each observation. A finding is written to the evidence folder and, with
 * an operator key, reported on the ledger as clone.suspect with the evidence's SHA-256: the
 * evidence itself (salted subscriber hashes, networks, times) stays on this node.
 */
export function startCloneDetection(opts: CloneDetectorOptions): void {
  const reported = new Set<string>();
  let queue: Promise<void> = Promise.resolve();
  mkdirSync(opts.evidenceDir, { recursive: true });
  opts.log.onAuthenticatedObservation((o: Observation) => {
    if (reported.has(o.identifier)) return;
    const finding = detectClone(opts.log.recentFor(o.identifier));
    if (!finding) return;
    reported.add(o.identifier);
    const bytes = canonicalBytes({
      rule: finding.rule,
      device: o.identifier,
      evidence: finding.evidence,
    });
    const evidence = toHex(sha256(bytes));
    writeFileSync(path.join(opts.evidenceDir, `${evidence}.json`), bytes);
    opts.logger.warn({ device: o.identifier, rule: finding.rule, evidence }, "clone suspected");
    const { signer } = opts;
    if (!signer) return;
    queue = queue.then(async () => {
      const app = opts.engine.app;
      const tx = signTx(signer, {
        chain: app.chainId,
        signer: signer.keyId,
        nonce: lastNonce(app.mempool, signer.keyId) + 1,
        type: "clone.suspect",
        params: { device: o.identifier, rule: finding.rule, evidence },
      });
      try {
        const r = await opts.engine.submit(encodeTx(tx));
        opts.logger.info(
          { device: o.identifier, code: r.codeName, tx: r.hash },
          "clone.suspect submitted",
        );
      } catch (err) {
        opts.logger.error({ err, device: o.identifier }, "clone.suspect could not be submitted");
      }
    });
  });
}
