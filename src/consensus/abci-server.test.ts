/**
 * The ABCI socket server with a real TCP client: pipelined requests answered in order on each
 * connection, Flush after what precedes it, slow (async) handlers not reordered, requests split
 * across writes, several connections at once, and a failing handler reported as an exception.
 */
import * as assert from "node:assert/strict";
import net from "node:net";
import { after, describe, test } from "node:test";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { FrameDecoder, frame } from "./abci-frame.js";
import { AbciServer } from "./abci-server.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client like CometBFT's socket client: writes framed requests, reads framed responses. */
async function client(port: number) {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const decoder = new FrameDecoder();
  const responses: Response[] = [];
  const waiters: (() => void)[] = [];
  socket.on("data", (chunk) => {
    for (const m of decoder.push(chunk)) responses.push(Response.decode(m));
    for (const w of waiters.splice(0)) w();
  });
  return {
    socket,
    send(requests: Request[], chunkSize?: number): void {
      const bytes = Buffer.concat(requests.map((r) => frame(Request.encode(r).finish())));
      if (!chunkSize) {
        socket.write(bytes);
        return;
      }
      for (let at = 0; at < bytes.length; at += chunkSize)
        socket.write(bytes.subarray(at, at + chunkSize));
    },
    async take(n: number): Promise<Response[]> {
      const deadline = Date.now() + 5000;
      while (responses.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${responses.length} of ${n} responses`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return responses.splice(0, n);
    },
  };
}

describe("ABCI server", async () => {
  const fatal: unknown[] = [];
  const server = new AbciServer({
    handler: async (req) => {
      if (req.flush) return Response.fromPartial({ flush: {} });
      if (req.echo) {
        // Earlier requests take longer: a server that answered as handlers finish would reorder.
        const m = req.echo.message;
        if (m.startsWith("slow")) await sleep(30);
        return Response.fromPartial({ echo: { message: m } });
      }
      if (req.info) throw new Error("boom");
      return Response.fromPartial({ exception: { error: "unexpected" } });
    },
    onFatal: (e) => fatal.push(e),
  });
  const port = await server.listen("127.0.0.1", 0);
  after(() => server.close());

  test("pipelined requests come back in order, Flush last, even byte by byte", async () => {
    for (const chunkSize of [undefined, 1, 7]) {
      const c = await client(port);
      const echoes = ["slow-1", "fast-2", "slow-3", "fast-4"];
      c.send(
        [
          ...echoes.map((message) => Request.fromPartial({ echo: { message } })),
          Request.fromPartial({ flush: {} }),
        ],
        chunkSize,
      );
      const got = await c.take(5);
      assert.deepEqual(
        got.slice(0, 4).map((r) => r.echo?.message),
        echoes,
      );
      assert.ok(got[4]!.flush);
      c.socket.destroy();
    }
  });

  test("four connections (consensus, mempool, query, snapshot) are served independently", async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => client(port)));
    clients.forEach((c, i) => {
      c.send([
        Request.fromPartial({ echo: { message: `slow-${i}` } }),
        Request.fromPartial({ echo: { message: `fast-${i}` } }),
        Request.fromPartial({ flush: {} }),
      ]);
    });
    for (const [i, c] of clients.entries()) {
      const got = await c.take(3);
      assert.deepEqual(
        [got[0]!.echo?.message, got[1]!.echo?.message, !!got[2]!.flush],
        [`slow-${i}`, `fast-${i}`, true],
      );
      c.socket.destroy();
    }
    await sleep(20);
    assert.equal(server.connections, 0);
  });

  test("a large request (8 MiB) is read whole", async () => {
    const c = await client(port);
    const message = "x".repeat(8 * 1024 * 1024);
    c.send(
      [Request.fromPartial({ echo: { message } }), Request.fromPartial({ flush: {} })],
      65_536,
    );
    const got = await c.take(2);
    assert.equal(got[0]!.echo?.message.length, message.length);
    c.socket.destroy();
  });

  test("a failing handler answers an exception and reports the failure", async () => {
    const c = await client(port);
    c.send([Request.fromPartial({ info: {} }), Request.fromPartial({ flush: {} })]);
    const [r] = await c.take(1);
    assert.match(r!.exception?.error ?? "", /boom/);
    assert.equal(fatal.length, 1);
    c.socket.destroy();
  });

  test("a stream that is not ABCI framing is dropped", async () => {
    const c = await client(port);
    c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await new Promise((r) => c.socket.once("close", r));
  });
});
