/**
 * Metering crash-test child: the node's HTTP server (with the stand-in billable route) on a real
 * socket and a real access store. Prints {"port", "dir", "key"} once it listens; answers until
 * the parent kills it with SIGKILL.
 */
import { standInRoutes, TINY_ACCESS } from "../support/access-routes.js";
import { startHttpApp } from "../support/http-app.js";

const h = await startHttpApp({ access: TINY_ACCESS, routes: standInRoutes });
const key = h.apiKey({ org: "crash-org", plan: "roomy", scopes: ["check"] });
await h.fastify.listen({ host: "127.0.0.1", port: 0 });
const address = h.fastify.server.address();
const port = typeof address === "object" && address ? address.port : 0;
process.stdout.write(`${JSON.stringify({ port, dir: h.dir, key })}\n`);
