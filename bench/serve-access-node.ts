/**
 * A node HTTP server for the buyers bench: every route the node serves (tests/support/http-app.ts
 * mirrors buildHttpServer), the access plugin with metering into a real LMDB access store, and the
 * example consortium's phones on the ledger (so GET /v1/check/{id} answers a real report, proof
 * bundle included). Prints {"port", "key"} once it listens: an API key on a plan whose rate and
 * quota the bench never meets.
 */
import { examplePhoneSteps } from "../tests/support/consortium.js";
import { startHttpApp } from "../tests/support/http-app.js";

const unlimited = { ratePerMinute: 1_000_000_000, monthlyQuota: 1_000_000_000_000, price: 5 };
const h = await startHttpApp({
  access: {
    publicTier: { ratePerMinute: 20 },
    plans: { bench: { currency: "EUR", scopes: { check: unlimited, proof: unlimited } } },
  },
});
await h.run(examplePhoneSteps());
const key = h.apiKey({ org: "bench", plan: "bench" });
await h.fastify.listen({ host: "127.0.0.1", port: 0 });
const address = h.fastify.server.address();
const port = typeof address === "object" && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ port, key })}\n`);
process.on("SIGTERM", () => {
  void h.close().finally(() => process.exit(0));
});
