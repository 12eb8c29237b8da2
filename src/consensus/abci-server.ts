import net from "node:net";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { FrameDecoder, frame } from "./abci-frame.js";

/** Answers one ABCI request; may be async (Commit waits for the disk). */
export type AbciHandler = (request: Request) => Response | Promise<Response>;

export interface AbciServerOptions {
  readonly handler: AbciHandler;
  /** Called when a request fails: the node can no longer follow the chain safely. */
  readonly onFatal: (error: unknown, request: Request) => void;
  /** Called for framing errors and resets on one connection (that connection is closed). */
  readonly onConnectionError?: (error: unknown) => void;
}

/**
 * The ABCI 2.0 socket server (CometBFT v0.38). CometBFT opens four connections (consensus,
 * mempool, query, snapshot) and pipelines requests on each, ending a batch with Flush; the
 * responses of one connection must come back in the order of its requests. Each connection
 * therefore runs its requests one after the other, and Flush is answered in its place, after
 * every response before it. Responses answered in one turn of the event loop leave in one write.
 */
export class AbciServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly opts: AbciServerOptions) {
    this.server = net.createServer((socket) => this.serve(socket));
  }

  /** Listen on host:port (0 picks a free port); resolves with the port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port }, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  get connections(): number {
    return this.sockets.size;
  }

  private serve(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const decoder = new FrameDecoder();
    const queue: Uint8Array[] = [];
    let next = 0;
    let waiting = false;
    let stopped = false;
    let out: Uint8Array[] = [];
    const send = (response: Response): void => {
      out.push(frame(Response.encode(response).finish()));
    };
    const flushOut = (): void => {
      if (out.length === 0 || socket.destroyed) return;
      // One write for all answered in this turn: CometBFT pipelines hundreds of CheckTx.
      socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      out = [];
    };
    // A handler that fails is fatal: its exception response goes out, the node is told to stop,
    // and this connection answers nothing more.
    const fatal = (e: unknown, request: Request): void => {
      stopped = true;
      send(Response.fromPartial({ exception: { error: errorText(e) } }));
      flushOut();
      this.opts.onFatal(e, request);
    };
    // Requests run one at a time in arrival order. A synchronous answer is queued for the write
    // at the end of the turn; an asynchronous one (Commit) holds back the requests behind it.
    const drain = (): void => {
      while (!waiting && !stopped && next < queue.length) {
        let request: Request;
        try {
          request = Request.decode(queue[next++]!);
        } catch (e) {
          stopped = true;
          this.opts.onConnectionError?.(e);
          socket.destroy();
          return;
        }
        let answer: Response | Promise<Response>;
        try {
          answer = this.opts.handler(request);
        } catch (e) {
          fatal(e, request);
          return;
        }
        if (!(answer instanceof Promise)) {
          send(answer);
          continue;
        }
        waiting = true;
        answer.then(
          (response) => {
            waiting = false;
            send(response);
            drain();
          },
          (e: unknown) => fatal(e, request),
        );
      }
      if (next === queue.length) {
        queue.length = 0;
        next = 0;
      }
      flushOut();
    };
    socket.on("data", (chunk) => {
      if (stopped) return;
      try {
        for (const m of decoder.push(chunk)) queue.push(m);
      } catch (e) {
        stopped = true;
        this.opts.onConnectionError?.(e);
        socket.destroy();
        return;
      }
      drain();
    });
    socket.on("error", (e) => this.opts.onConnectionError?.(e));
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** Stop listening and drop every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
