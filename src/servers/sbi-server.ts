import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  constants as http2Constants,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { Server, type Socket } from "node:net";
import { ERRORS, type ErrorCode } from "../core/errors/catalogue.js";
import { makeError } from "../core/errors/devicechain-error.js";
import {
  type ConnectionMetrics,
  type ConnectionPolicy,
  ConnectionTracker,
} from "./connection-policy.js";
import { errorBody } from "./rest/error-reply.js";

type Handler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

export interface SbiServerOptions {
  readonly policy: ConnectionPolicy;
  readonly metrics: ConnectionMetrics;
}

/** The HTTP/2 connection preface starts "PRI": no HTTP/1.1 request line does (RFC 9113 §3.4). */
const PREFACE_START = Buffer.from("PRI");

/**
 * How often Node looks for HTTP/1.1 requests past their header or request deadline: often enough
 * that a deadline is kept to within a quarter of itself, at most a second late.
 */
const checkingIntervalMs = (p: ConnectionPolicy): number =>
  Math.max(25, Math.min(1_000, Math.floor(Math.min(p.headersTimeoutMs, p.requestTimeoutMs) / 4)));

/**
 * One TCP port that speaks both HTTP/2 cleartext with prior knowledge (how a 5G core's AMF calls a
 * 5G-EIR, TS 29.500 §5.2) and HTTP/1.1 (for tools and browsers). Each connection goes to one or
 * the other on its first bytes; both hand requests to the same handler. Every connection follows
 * the connection policy from its first moment: a first-byte (and h2c preface) deadline here, then
 * Node's header, request and keep-alive deadlines for HTTP/1.1, and stream limits, a request
 * deadline per stream and an idle deadline per session for HTTP/2.
 */
export class SbiServer extends Server {
  private readonly http1;
  private readonly http2;
  private readonly policy: ConnectionPolicy;
  private readonly tracker: ConnectionTracker;
  private readonly sessions = new Set<ServerHttp2Session>();
  /** Connections whose first bytes have not yet told which protocol they speak. */
  private readonly unrouted = new Set<Socket>();
  /** The HTTP/1.1 request each connection is on, to tell a header deadline from a request one. */
  private readonly requests = new WeakMap<Socket, IncomingMessage>();
  /** The session the HTTP/2 server has just made for the connection handed to it. */
  private made: ServerHttp2Session | undefined;

  constructor(handler: Handler, options: SbiServerOptions) {
    super((socket) => this.accept(socket));
    const p = options.policy;
    this.policy = p;
    this.tracker = new ConnectionTracker("http", p.maxConnectionsPerAddress, options.metrics);
    this.http1 = createHttp1Server(
      {
        headersTimeout: p.headersTimeoutMs,
        requestTimeout: p.requestTimeoutMs,
        keepAliveTimeout: p.idleTimeoutMs,
        connectionsCheckingInterval: checkingIntervalMs(p),
      },
      handler as (req: IncomingMessage, res: ServerResponse) => void,
    );
    // Node enforces headersTimeout and requestTimeout (and tracks connections for
    // closeIdleConnections) from a timer an http.Server starts when it emits "listening". This one
    // never listens, since its connections come from this server, so it is told here.
    this.http1.emit("listening");
    this.http1.on("request", (req: IncomingMessage) => this.requests.set(req.socket, req));
    // Requests Node's parser refuses before any handler sees them (not HTTP, headers too large,
    // a deadline passed) get the documented error body too, then the connection closes.
    this.http1.on("clientError", (e: NodeJS.ErrnoException, socket: Socket) => {
      if (socket.writable && socket.bytesWritten === 0) socket.write(clientErrorResponse(e));
      socket.destroy(e);
    });
    // Only keep-alive waits set a socket timeout on this server: an idle connection.
    this.http1.on("timeout", (socket: Socket) => this.tracker.close(socket, "idle"));
    this.http2 = createHttp2Server(
      {
        settings: {
          maxConcurrentStreams: p.http2MaxConcurrentStreams,
          maxHeaderListSize: p.http2MaxHeaderListBytes,
        },
        maxSessionMemory: p.http2MaxSessionMemoryMb,
      },
      handler as (req: Http2ServerRequest, res: Http2ServerResponse) => void,
    );
    // Emitted synchronously from "connection", so it belongs to the socket just handed over.
    this.http2.on("session", (session: ServerHttp2Session) => {
      this.made = session;
    });
  }

  private accept(socket: Socket): void {
    if (!this.tracker.admit(socket)) return;
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ERR_HTTP_REQUEST_TIMEOUT") {
        // Node has answered 408 and is closing: were the request's headers in?
        const request = this.requests.get(socket);
        this.tracker.count(request && !request.complete ? "request" : "header");
      }
      socket.destroy();
    });
    this.unrouted.add(socket);
    let head = Buffer.alloc(0);
    let session: ServerHttp2Session | undefined;
    let established = false;
    const deadline = setTimeout(() => {
      if (established) return;
      if (session) {
        // The h2c preface or the client's SETTINGS frame is still incomplete.
        this.tracker.count("preface");
        session.destroy();
      } else {
        this.tracker.close(socket, head.length === 0 ? "first_byte" : "preface");
      }
    }, this.policy.firstByteTimeoutMs);
    socket.once("close", () => {
      clearTimeout(deadline);
      this.unrouted.delete(socket);
    });
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < PREFACE_START.length && PREFACE_START.subarray(0, head.length).equals(head))
        return;
      socket.off("data", onData);
      this.unrouted.delete(socket);
      socket.pause();
      socket.unshift(head);
      if (head.subarray(0, PREFACE_START.length).equals(PREFACE_START)) {
        // Left paused: the HTTP/2 session reads what is buffered on the next tick, then the handle.
        session = this.openHttp2(socket);
        session?.once("remoteSettings", () => {
          established = true;
          clearTimeout(deadline);
        });
      } else {
        // From here Node's header deadline runs, from the request's first byte.
        established = true;
        clearTimeout(deadline);
        this.http1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  }

  /** Hand a connection to the HTTP/2 server and put its session under the policy. */
  private openHttp2(socket: Socket): ServerHttp2Session | undefined {
    this.http2.emit("connection", socket);
    const session = this.made;
    this.made = undefined;
    if (!session) return undefined;
    this.sessions.add(session);
    let open = 0;
    let idle: NodeJS.Timeout | undefined;
    const waitIdle = (): void => {
      // Only streams keep a session busy: PINGs, SETTINGS or a header block trickled in
      // CONTINUATION frames, which opens no stream, do not.
      idle = setTimeout(() => {
        this.tracker.count("idle");
        session.close(); // GOAWAY: the client opens a new connection when it needs one
      }, this.policy.idleTimeoutMs);
    };
    waitIdle();
    session.on("stream", (stream: ServerHttp2Stream) => {
      if (open++ === 0) clearTimeout(idle);
      const timer = stream.endAfterHeaders ? undefined : this.requestDeadline(stream);
      stream.once("close", () => {
        clearTimeout(timer);
        if (--open === 0 && !session.closed) waitIdle();
      });
    });
    session.once("close", () => {
      clearTimeout(idle);
      this.sessions.delete(session);
    });
    return session;
  }

  /** A stream whose request body has not ended by the request deadline is cancelled. */
  private requestDeadline(stream: ServerHttp2Stream): NodeJS.Timeout {
    return setTimeout(() => {
      if (stream.destroyed || stream.state.remoteClose) return;
      this.tracker.count("request");
      stream.close(http2Constants.NGHTTP2_CANCEL);
    }, this.policy.requestTimeoutMs);
  }

  /** Used by fastify's forceCloseConnections "idle": end keep-alive and HTTP/2 connections. */
  closeIdleConnections(): void {
    for (const s of this.unrouted) s.destroy();
    this.http1.closeIdleConnections();
    // A graceful GOAWAY: streams in flight finish, no new ones start.
    for (const s of this.sessions) s.close();
  }

  closeAllConnections(): void {
    for (const s of this.unrouted) s.destroy();
    this.http1.closeAllConnections();
    for (const s of this.sessions) s.destroy();
  }

  override close(callback?: (err?: Error) => void): this {
    // Stops Node's deadline timer of the HTTP/1.1 server (which never listened itself).
    this.http1.close();
    return super.close(callback);
  }
}

/** A raw HTTP/1.1 error response with the catalogue's body, for what fails in Node's parser. */
function clientErrorResponse(e: NodeJS.ErrnoException): string {
  const code: ErrorCode =
    e.code === "HPE_HEADER_OVERFLOW"
      ? "REQUEST_HEADERS_TOO_LARGE"
      : e.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "REQUEST_TIMEOUT"
        : "REQUEST_NOT_HTTP";
  const status = ERRORS[code].http;
  const body = JSON.stringify(errorBody(makeError(code)));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}
