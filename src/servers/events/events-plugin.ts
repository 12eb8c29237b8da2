import type { FastifyInstance } from "fastify";
import type { CommittedBlock, LedgerApp } from "../../ledger/application.js";

export interface EventsDeps {
  readonly app: LedgerApp;
}

/** A subscriber that has this much unsent data is too slow and is dropped. */
const MAX_BUFFERED = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/** The server-sent-events frame for one committed block and its transactions' events. */
export function blockFrame({ block, results }: CommittedBlock): string {
  const payload = {
    height: block.header.height,
    hash: block.hash,
    time: block.header.time,
    appHash: block.header.appHash,
    txs: results.map((r) => ({
      hash: r.hash,
      code: r.code,
      codeName: r.codeName,
      events: r.events,
    })),
  };
  return `id: ${block.header.height}\nevent: block\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** GET /v1/events: a server-sent-events stream of every block as it commits. */
export async function eventsPlugin(fastify: FastifyInstance, deps: EventsDeps): Promise<void> {
  const open = new Set<() => void>();
  // Streams never end by themselves: end them before the server waits for its connections.
  fastify.addHook("preClose", async () => {
    for (const end of open) end();
  });
  fastify.get(
    "/v1/events",
    {
      schema: {
        summary: "Committed blocks and their transactions' events, as server-sent events",
        tags: ["events"],
        produces: ["text/event-stream"],
      },
    },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      // HTTP/2 forbids connection-specific headers (RFC 9113 §8.2.2).
      const http1 = request.raw.httpVersionMajor < 2;
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        ...(http1 ? { connection: "keep-alive" } : {}),
      });
      res.write(`: devicechain events from height ${deps.app.info().lastBlockHeight}\n\n`);
      const onCommit = (committed: CommittedBlock): void => {
        if (res.writableLength > MAX_BUFFERED) {
          request.log.warn("dropping a slow event subscriber");
          res.destroy();
          return;
        }
        res.write(blockFrame(committed));
      };
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
      heartbeat.unref();
      deps.app.on("commit", onCommit);
      const end = (): void => {
        res.end();
      };
      open.add(end);
      res.on("close", () => {
        clearInterval(heartbeat);
        deps.app.off("commit", onCommit);
        open.delete(end);
      });
    },
  );
}
