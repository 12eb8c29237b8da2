import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import { Server, type Socket } from "node:net";

type Handler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/** The HTTP/2 connection preface starts "PRI": no HTTP/1.1 request line does (RFC 9113 §3.4). */
const PREFACE_START = Buffer.from("PRI");

/**
 * One TCP port that speaks both HTTP/2 cleartext with prior knowledge (how a 5G core's AMF calls a
 * 5G-EIR, TS 29.500 §5.2) and HTTP/1.1 (for tools and browsers). Each connection goes to one or
 * the other on its first bytes; both hand requests to the same handler.
 */
export class SbiServer extends Server {
  private readonly http1;
  private readonly http2;
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(handler: Handler) {
    super((socket) => this.route(socket));
    this.http1 = createHttp1Server(handler as (req: IncomingMessage, res: ServerResponse) => void);
    this.http2 = createHttp2Server(
      handler as (req: Http2ServerRequest, res: Http2ServerResponse) => void,
    );
    this.http2.on("session", (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.on("close", () => this.sessions.delete(session));
    });
  }

  private route(socket: Socket): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < PREFACE_START.length && PREFACE_START.subarray(0, head.length).equals(head))
        return;
      socket.off("data", onData);
      socket.pause();
      socket.unshift(head);
      if (head.subarray(0, PREFACE_START.length).equals(PREFACE_START)) {
        // Left paused: the HTTP/2 session reads what is buffered on the next tick, then the handle.
        this.http2.emit("connection", socket);
      } else {
        this.http1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  }

  /** Used by fastify's forceCloseConnections "idle": end keep-alive and HTTP/2 connections. */
  closeIdleConnections(): void {
    this.http1.closeIdleConnections();
    // A graceful GOAWAY: streams in flight finish, no new ones start.
    for (const s of this.sessions) s.close();
  }

  closeAllConnections(): void {
    this.http1.closeAllConnections();
    for (const s of this.sessions) s.destroy();
  }
}
