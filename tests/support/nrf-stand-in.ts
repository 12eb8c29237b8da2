/**
 * A local NRF stand-in for the NFManagement service (TS 29.510), over h2c with prior knowledge as
 * 5GC NRFs serve it. It is not an NRF: it keeps one table of profiles and checks every request
 * against the request-body schemas of the official TS29510_Nnrf_NFManagement.yaml, recording
 * anything that does not conform. We write the stand-in because no NRF can be installed here.
 */
import { createServer, type Http2Server, type IncomingHttpHeaders } from "node:http2";
import type { AddressInfo } from "node:net";
import { describeErrors, requestBodyValidator } from "./three-gpp-openapi.js";

const SPEC = "TS29510_Nnrf_NFManagement.yaml";
const TEMPLATE = "/nf-instances/{nfInstanceID}";
const PREFIX = "/nnrf-nfm/v1/nf-instances/";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NrfEvent {
  readonly method: string;
  readonly nfInstanceId: string;
  readonly at: number;
  readonly body: unknown;
}

export class NrfStandIn {
  /** Every request, in order of arrival. */
  readonly events: NrfEvent[] = [];
  /** Every way a request departed from TS 29.510; a conformant client leaves this empty. */
  readonly violations: string[] = [];
  readonly profiles = new Map<string, Record<string, unknown>>();
  private readonly server: Http2Server;
  private readonly validatePut = requestBodyValidator(SPEC, TEMPLATE, "put", "application/json");
  private readonly validatePatch = requestBodyValidator(
    SPEC,
    TEMPLATE,
    "patch",
    "application/json-patch+json",
  );

  /** heartBeatTimer: the period the NRF imposes in its answer to NFRegister, in seconds. */
  constructor(private readonly heartBeatTimer: number) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const answer = this.handle(req.method, req.url, req.headers, Buffer.concat(chunks));
        res.writeHead(answer.status, answer.headers);
        if (answer.body === undefined) res.end();
        else res.end(JSON.stringify(answer.body));
      });
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Drop every profile, as an NRF restart would. */
  forgetAll(): void {
    this.profiles.clear();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  count(method: string): number {
    return this.events.filter((e) => e.method === method).length;
  }

  private handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    raw: Buffer,
  ): { status: number; headers: Record<string, string>; body?: unknown } {
    const json = { "content-type": "application/json" };
    const problem = (status: number, detail: string) => {
      this.violations.push(`${method} ${url}: ${detail}`);
      return {
        status,
        headers: { "content-type": "application/problem+json" },
        body: { status, detail },
      };
    };
    if (!url.startsWith(PREFIX)) return problem(404, "not an NFManagement nf-instances URI");
    const id = decodeURIComponent(url.slice(PREFIX.length));
    if (!UUID.test(id)) return problem(400, `nfInstanceID ${id} is not a UUID`);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        return problem(400, "the body is not JSON");
      }
    }
    this.events.push({ method, nfInstanceId: id, at: Date.now(), body });
    switch (method) {
      case "PUT": {
        if (headers["content-type"] !== "application/json") {
          return problem(415, `NFRegister content-type ${headers["content-type"]}`);
        }
        if (!this.validatePut(body)) return problem(400, describeErrors(this.validatePut.errors));
        const profile = body as Record<string, unknown>;
        if (profile.nfInstanceId !== id) return problem(400, "nfInstanceId differs from the URI");
        const created = !this.profiles.has(id);
        const stored = { ...profile, heartBeatTimer: this.heartBeatTimer };
        this.profiles.set(id, stored);
        return {
          status: created ? 201 : 200,
          headers: created ? { ...json, location: `${PREFIX}${id}` } : json,
          body: stored,
        };
      }
      case "PATCH": {
        if (headers["content-type"] !== "application/json-patch+json") {
          return problem(415, `NFUpdate content-type ${headers["content-type"]}`);
        }
        if (!this.validatePatch(body)) {
          return problem(400, describeErrors(this.validatePatch.errors));
        }
        // Not a violation: the NRF has forgotten the instance and says so (TS 29.510 §5.2.2.3.2).
        if (!this.profiles.has(id)) return { status: 404, headers: {} };
        return { status: 204, headers: {} };
      }
      case "DELETE":
        if (!this.profiles.delete(id)) return { status: 404, headers: {} };
        return { status: 204, headers: {} };
      default:
        return problem(405, `method ${method}`);
    }
  }
}
