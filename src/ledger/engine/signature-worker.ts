/** Worker thread: verifies batches of Ed25519 signatures for the SignatureVerifier. */
import { parentPort } from "node:worker_threads";
import { verifyEd25519 } from "../../core/crypto/ed25519.js";
import type { VerifyBatch, VerifyResult } from "./signature-verifier.js";

const port = parentPort;
if (!port) throw new Error("signature-worker runs as a worker thread");
port.on("message", (batch: VerifyBatch) => {
  const ok = new Uint8Array(batch.items.length);
  batch.items.forEach((item, i) => {
    ok[i] = verifyEd25519(item.keyId, item.message, item.signature) ? 1 : 0;
  });
  const result: VerifyResult = { id: batch.id, ok };
  port.postMessage(result);
});
