/**
 * A Diameter peer for tests over real TCP on loopback: it sends raw bytes or messages, hands back
 * every message the node sends (answers and the node's own requests, such as a DWR) in order, and
 * tells when the node closed the connection.
 */
import { connect, type Socket } from "node:net";
import { AVP } from "../../src/servers/s13/diameter-avps.js";
import {
  type DiameterMessage,
  decodeMessage,
  encodeMessage,
  messageLength,
  u32Avp,
  utf8Avp,
} from "../../src/servers/s13/diameter-message.js";
import { capabilitiesExchangeRequest } from "./s13-check.js";

export class DiameterPeer {
  private buffer = Buffer.alloc(0);
  private readonly waiting: ((m: DiameterMessage) => void)[] = [];
  private readonly received: DiameterMessage[] = [];
  /** Resolves when the connection is closed, with performance.now() at that moment. */
  readonly closed: Promise<number>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= messageLength(this.buffer)) {
        const length = messageLength(this.buffer);
        const m = decodeMessage(this.buffer.subarray(0, length));
        this.buffer = this.buffer.subarray(length);
        const w = this.waiting.shift();
        if (w) w(m);
        else this.received.push(m);
      }
    });
    socket.on("error", () => socket.destroy());
    this.closed = new Promise((resolve) => socket.on("close", () => resolve(performance.now())));
  }

  static async open(port: number): Promise<DiameterPeer> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new DiameterPeer(socket);
  }

  /** The next message from the node, within `ms`. */
  next(ms = 5_000): Promise<DiameterMessage> {
    const ready = this.received.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Diameter message in ${ms} ms`)), ms);
      this.waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** A CER as an MME sends it (RFC 6733 §5.3.1), advertising S13. */
  capabilitiesExchange(): void {
    this.send(capabilitiesExchangeRequest("mme.test.localdomain", "test.localdomain"));
  }

  /** Answer a request from the node with Result-Code 2001 (e.g. a DWA to its DWR). */
  answer(request: DiameterMessage): void {
    this.send(
      encodeMessage({
        flags: 0,
        commandCode: request.commandCode,
        applicationId: request.applicationId,
        hopByHop: request.hopByHop,
        endToEnd: request.endToEnd,
        avps: [
          u32Avp(AVP.RESULT_CODE, 2001),
          utf8Avp(AVP.ORIGIN_HOST, "mme.test.localdomain"),
          utf8Avp(AVP.ORIGIN_REALM, "test.localdomain"),
        ],
      }),
    );
  }

  close(): void {
    this.socket.destroy();
  }
}
