/** A loopback webhook receiver for tests: it records every delivery, and answers 503 while `down`. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DELIVERY_HEADERS } from "../../src/node/push/delivery-signature.js";

export interface Received {
  readonly id: string;
  readonly timestamp: number;
  readonly signature: string;
  readonly body: string;
}

export class WebhookReceiver {
  down = false;
  url = "";
  readonly got: Received[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.got.push({
        id: String(req.headers[DELIVERY_HEADERS.id]),
        timestamp: Number(req.headers[DELIVERY_HEADERS.timestamp]),
        signature: String(req.headers[DELIVERY_HEADERS.signature]),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(this.down ? 503 : 204).end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  /** Every delivery's body, parsed, in arrival order. */
  events(): Record<string, unknown>[] {
    return this.got.map((g) => JSON.parse(g.body) as Record<string, unknown>);
  }

  /** Deliveries after deduplication by delivery id, parsed. */
  unique(): Record<string, unknown>[] {
    const seen = new Map<string, Received>();
    for (const g of this.got) seen.set(g.id, g);
    return [...seen.values()].map((g) => JSON.parse(g.body));
  }
}
