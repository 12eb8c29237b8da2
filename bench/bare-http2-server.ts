/** The yardstick for sbi_h2c_ratio: a bare node:http2 cleartext server answering a constant body. */
import { createServer } from "node:http2";

const body = JSON.stringify({ status: "WHITELISTED" });
const server = createServer((_req, res) => {
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  if (addr && typeof addr === "object")
    process.stdout.write(`${JSON.stringify({ port: addr.port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
