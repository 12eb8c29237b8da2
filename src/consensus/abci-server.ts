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
 * therefore runs its requests one after the other through a promise chain, and Flush is
 * answered in its place in that chain, so after every response before it.
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
    let tail: Promise<void> = Promise.resolve();
    let failed = false;
    socket.on("data", (chunk) => {
      if (failed) return;
      let messages: Uint8Array[];
      try {
        messages = decoder.push(chunk);
      } catch (e) {
        failed = true;
        this.opts.onConnectionError?.(e);
        socket.destroy();
        return;
      }
      for (const bytes of messages) {
        tail = tail.then(() => this.answer(socket, bytes));
      }
    });
    socket.on("error", (e) => this.opts.onConnectionError?.(e));
    socket.on("close", () => this.sockets.delete(socket));
  }

  private async answer(socket: net.Socket, bytes: Uint8Array): Promise<void> {
    if (socket.destroyed) return;
    let request: Request;
    try {
      request = Request.decode(bytes);
    } catch (e) {
      this.opts.onConnectionError?.(e);
      socket.destroy();
      return;
    }
    let response: Response;
    try {
      response = await this.opts.handler(request);
    } catch (e) {
      response = Response.fromPartial({ exception: { error: errorText(e) } });
      this.write(socket, response);
      this.opts.onFatal(e, request);
      return;
    }
    this.write(socket, response);
  }

  private write(socket: net.Socket, response: Response): void {
    if (socket.destroyed) return;
    socket.write(frame(Response.encode(response).finish()));
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
