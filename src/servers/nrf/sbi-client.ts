import { type ClientHttp2Session, connect, constants, type IncomingHttpHeaders } from "node:http2";

export interface SbiResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface SbiRequest {
  readonly method: "GET" | "PUT" | "PATCH" | "DELETE" | "POST";
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs: number;
}

/**
 * An HTTP/2 client for one SBI peer, as TS 29.500 §5.2 requires: h2c with prior knowledge for an
 * http: apiRoot (how 5GC NFs talk in the clear), TLS with ALPN h2 for https:. The session is
 * opened on first use and again after it closes.
 */
export class SbiClient {
  private session: ClientHttp2Session | undefined;

  constructor(private readonly apiRoot: string) {
    const url = new URL(apiRoot);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(`an SBI apiRoot must be http: or https:, not ${url.protocol}`);
    }
  }

  /** Send one request; rejects on a connection failure or the timeout, never on a status. */
  request(req: SbiRequest): Promise<SbiResponse> {
    const session = this.open();
    const headers: Record<string, string> = {
      [constants.HTTP2_HEADER_METHOD]: req.method,
      [constants.HTTP2_HEADER_PATH]: `${new URL(this.apiRoot).pathname.replace(/\/$/, "")}${req.path}`,
      accept: "application/json, application/problem+json",
    };
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    if (payload !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    return new Promise((resolve, reject) => {
      const stream = session.request(headers, { endStream: payload === undefined });
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        reject(new Error(`${req.method} ${req.path}: no answer within ${req.timeoutMs} ms`));
      }, req.timeoutMs);
      let status = 0;
      let responseHeaders: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        responseHeaders = h;
      });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        clearTimeout(timer);
        resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString("utf8") });
      });
      stream.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      if (payload !== undefined) stream.end(payload);
    });
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  private open(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.apiRoot);
    // A refused connection fails the pending request through its stream; nothing else to do.
    session.on("error", () => {});
    session.on("close", () => {
      if (this.session === session) this.session = undefined;
    });
    // An idle session must not keep the process alive.
    session.unref();
    this.session = session;
    return session;
  }
}
