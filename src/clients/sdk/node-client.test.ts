import * as assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { isError } from "../../core/errors/devicechain-error.js";
import { NodeClient } from "./node-client.js";

// A real HTTP server that answers like a node's error replies.
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/v1/devices/unknown")
      reply(404, { error: { code: "DEVICE_UNKNOWN", message: "No such device" } });
    else if (req.url === "/v1/devices/odd")
      reply(418, { error: { code: "NOT_A_REAL_CODE", message: "?" } });
    else if (req.url === "/v1/txs")
      reply(400, {
        error: {
          code: "DEVICE_EXISTS",
          message: "exists",
          data: { rows: [{ index: 1, code: "DEVICE_EXISTS" }] },
        },
      });
    else if (req.url === "/v1/watches" && req.method === "POST") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () =>
        reply(201, {
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        }),
      );
    } else reply(200, { chainId: "c", height: 3 });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test("a 2xx answer is returned as JSON", async () => {
  assert.equal((await new NodeClient(`${url}/`).status()).height, 3);
});

test("an error body becomes the coded error, with its data", async () => {
  const client = new NodeClient(url);
  await assert.rejects(client.device("unknown"), (e) => isError(e, "DEVICE_UNKNOWN"));
  await assert.rejects(client.device("odd"), (e) => isError(e, "INTERNAL"));
  await assert.rejects(
    client.submit({ body: {}, sig: "" } as never),
    (e) =>
      isError(e, "DEVICE_EXISTS") &&
      (e.data?.rows as { index: number }[] | undefined)?.[0]?.index === 1,
  );
});

test("no node listening is NODE_UNAVAILABLE", async () => {
  // Port 9 (discard) on loopback: nothing listens there in a test environment.
  await assert.rejects(new NodeClient("http://127.0.0.1:9").status(), (e) =>
    isError(e, "NODE_UNAVAILABLE"),
  );
});

test("a base URL without http:// or https:// is refused at once, not as an unreachable node", () => {
  for (const bad of ["127.0.0.1:8080", "localhost:8080", "tcp://127.0.0.1:8080", ""]) {
    assert.throws(
      () => new NodeClient(bad),
      (e) => isError(e, "REQUEST_BAD_PARAMS"),
      bad,
    );
  }
});

test("watch() sends an API key as a bearer token, and the watch as the body", async () => {
  const answer = (await new NodeClient(url).watch(
    { devices: ["490154203237518"], days: 7 },
    { apiKey: "dck_test_secret" },
  )) as unknown as { authorization: string; body: Record<string, unknown> };
  assert.equal(answer.authorization, "Bearer dck_test_secret");
  assert.deepEqual(answer.body, { devices: ["490154203237518"], days: 7 });
});
