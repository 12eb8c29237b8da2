import type { FastifyInstance } from "fastify";
import { isError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import type { CommitFeed, CommittedBlock } from "../../ledger/application.js";
import type { LedgerReads } from "../../ledger/read/ledger-reads.js";
import { errorBody } from "../rest/error-reply.js";
import { type EventFilter, matchesFilter } from "./event-filter.js";
import { openEventStream, sseFrame } from "./event-stream.js";

export interface EventsDeps {
  /** Where committed blocks are announced. */
  readonly commits: CommitFeed;
  readonly reads: LedgerReads;
}

/** A subscriber that has this much unsent data is too slow and is dropped. */
const MAX_BUFFERED = 4 * 1024 * 1024;

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
        description:
          "Without filters: one `block` event per committed block. With `device` (any identifier, repeatable) and/or `event` (a history event such as reported_stolen, repeatable): one `device.changed` event per matching change, the same payload webhooks deliver.",
        tags: ["events"],
        querystring: {
          type: "object",
          properties: {
            device: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
            event: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
          },
          additionalProperties: false,
        },
        produces: ["text/event-stream"],
      },
    },
    (request, reply) => {
      const query = request.query as { device?: string | string[]; event?: string | string[] };
      let filter: EventFilter | undefined;
      if (query.device !== undefined || query.event !== undefined) {
        try {
          filter = {
            devices: list(query.device).map((d) => parseIdentifier(d, "person").key),
            events: list(query.event),
          };
        } catch (e) {
          if (!isError(e)) throw e;
          return reply.code(e.httpStatus).send(errorBody(e));
        }
      }
      return openEventStream(request, reply, {
        comment: `devicechain events from height ${deps.reads.last.height}`,
        maxBuffered: MAX_BUFFERED,
        open,
        subscribe: (send) => {
          const onCommit = (committed: CommittedBlock): void => {
            if (!filter) {
              send(blockFrame(committed));
              return;
            }
            for (const e of deps.reads.deviceChangedEvents(committed)) {
              if (matchesFilter(filter, e)) send(sseFrame(e.id, "device.changed", e));
            }
          };
          deps.commits.on("commit", onCommit);
          return () => deps.commits.off("commit", onCommit);
        },
      });
    },
  );
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
