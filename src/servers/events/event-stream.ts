import type { FastifyReply, FastifyRequest } from "fastify";

const HEARTBEAT_MS = 15_000;

/** One server-sent event: its id (for Last-Event-ID), its type and its JSON data. */
export const sseFrame = (id: string, event: string, data: unknown): string =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** A stream's parts, as the route that opens one gives them. */
export interface EventStreamOptions {
  /** The comment the stream opens with (what it streams, from where). */
  readonly comment: string;
  /** A subscriber with this many bytes unsent is too slow and is dropped. */
  readonly maxBuffered: number;
  /** The plugin's open streams: its preClose hook ends each. */
  readonly open: Set<() => void>;
  /**
   * Start sending: `send` writes a frame (or drops a slow subscriber), `end` ends the stream.
   * Returns what stops the subscription once the stream closes.
   */
  readonly subscribe: (send: (frame: string) => void, end: () => void) => () => void;
}

/**
 * Take the reply over as a server-sent event stream (the events and watch routes share it): its
 * headers (no connection-specific ones on HTTP/2, RFC 9113 §8.2.2), its opening comment, a
 * heartbeat, dropping a subscriber that falls behind, and clean-up when it closes.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: EventStreamOptions,
): FastifyReply {
  reply.hijack();
  const res = reply.raw;
  const http1 = request.raw.httpVersionMajor < 2;
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    ...(http1 ? { connection: "keep-alive" } : {}),
  });
  res.write(`: ${opts.comment}\n\n`);
  const send = (frame: string): void => {
    if (res.writableLength > opts.maxBuffered) {
      request.log.warn("dropping a slow event-stream subscriber");
      res.destroy();
      return;
    }
    res.write(frame);
  };
  const end = (): void => {
    res.end();
  };
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = opts.subscribe(send, end);
  opts.open.add(end);
  res.on("close", () => {
    clearInterval(heartbeat);
    stop();
    opts.open.delete(end);
  });
  return reply;
}
