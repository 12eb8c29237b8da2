import type { RemoteInfo, Socket } from "node:dgram";
import { normalizeAddress } from "../remote-address.js";
import {
  ATTR,
  CODE,
  decodePacket,
  encodeSignedRequest,
  integerAttribute,
  messageAuthenticatorValid,
  type RadiusAttribute,
  RadiusDecodeError,
  responseAuthenticatorValid,
} from "./radius-packet.js";

/** Where a Disconnect-Request goes: the NAS's address, its CoA port and its shared secret. */
export interface DisconnectTarget {
  readonly address: string;
  readonly port: number;
  readonly secret: Buffer;
}

export type DisconnectOutcome =
  | { readonly result: "ack" }
  | { readonly result: "nak"; readonly errorCause?: number }
  | { readonly result: "gave_up" }
  | { readonly result: "cancelled" };

export interface DisconnectRetry {
  /** Wait before the first retransmission; doubles after each, up to maxMs. */
  readonly initialMs: number;
  readonly maxMs: number;
  /** Transmissions in all, the first included. */
  readonly maxAttempts: number;
}

/** RFC 5080 §2.2.1-style retransmission: 1 s, doubling to 30 s, 10 transmissions (about 3 min). */
export const DEFAULT_DISCONNECT_RETRY: DisconnectRetry = {
  initialMs: 1_000,
  maxMs: 30_000,
  maxAttempts: 10,
};

interface InFlight {
  readonly target: DisconnectTarget;
  readonly identifier: number;
  readonly tag: string;
  readonly bytes: Buffer;
  readonly authenticator: Buffer;
  readonly done: (o: DisconnectOutcome) => void;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

interface Waiting {
  readonly target: DisconnectTarget;
  readonly tag: string;
  readonly attributes: readonly RadiusAttribute[];
  readonly done: (o: DisconnectOutcome) => void;
}

/**
 * Sends RFC 5176 Disconnect-Requests from one UDP socket and retransmits each, with the same
 * Identifier and authenticator, until the NAS answers ACK or NAK or the attempts run out. At most
 * 256 requests are in flight per NAS (one per Identifier); more wait their turn.
 */
export class DisconnectSender {
  private readonly inFlight = new Map<string, Map<number, InFlight>>();
  private readonly nextId = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting[]>();
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly retry: DisconnectRetry,
    private readonly onRetransmit: () => void,
    private readonly onDrop: (reason: "malformed" | "bad_authenticator" | "unexpected") => void,
  ) {}

  /**
   * Send a Disconnect-Request; resolves with the NAS's verdict. `tag` names the session, so that
   * cancel(tag) can stop retrying (say, when its Accounting-Stop arrives first).
   */
  send(
    target: DisconnectTarget,
    attributes: readonly RadiusAttribute[],
    tag: string,
  ): Promise<DisconnectOutcome> {
    return new Promise((resolve) => {
      if (this.closed) return resolve({ result: "cancelled" });
      this.start({ target, tag, attributes, done: resolve });
    });
  }

  /** Stop retrying every request with this tag; they resolve as cancelled. */
  cancel(tag: string): void {
    for (const byId of this.inFlight.values()) {
      for (const f of [...byId.values()])
        if (f.tag === tag) this.finish(f, { result: "cancelled" });
    }
    for (const [dest, queue] of this.waiting) {
      const keep = queue.filter((w) => w.tag !== tag);
      for (const w of queue) if (w.tag === tag) w.done({ result: "cancelled" });
      this.waiting.set(dest, keep);
    }
  }

  /** A datagram on the socket: an ACK or NAK for one of ours, or dropped and counted. */
  handle(msg: Buffer, rinfo: RemoteInfo): void {
    let p: ReturnType<typeof decodePacket>;
    try {
      p = decodePacket(msg);
    } catch (e) {
      if (!(e instanceof RadiusDecodeError)) throw e;
      this.onDrop("malformed");
      return;
    }
    const byId = this.inFlight.get(`${normalizeAddress(rinfo.address)}|${rinfo.port}`);
    const f = byId?.get(p.identifier);
    if (!f || (p.code !== CODE.DISCONNECT_ACK && p.code !== CODE.DISCONNECT_NAK)) {
      this.onDrop("unexpected");
      return;
    }
    if (
      !responseAuthenticatorValid(p, f.authenticator, f.target.secret) ||
      (p.messageAuthenticatorAt !== undefined &&
        // RFC 5176 §3.3 computes it over the request's authenticator; FreeRADIUS over zeros.
        !messageAuthenticatorValid(p, f.target.secret, f.authenticator) &&
        !messageAuthenticatorValid(p, f.target.secret, new Uint8Array(16)))
    ) {
      this.onDrop("bad_authenticator");
      return;
    }
    if (p.code === CODE.DISCONNECT_ACK) {
      this.finish(f, { result: "ack" });
      return;
    }
    const errorCause = integerAttribute(p, ATTR.ERROR_CAUSE);
    this.finish(f, { result: "nak", ...(errorCause === undefined ? {} : { errorCause }) });
  }

  /** Cancel everything: pending promises resolve as cancelled. */
  close(): void {
    this.closed = true;
    for (const byId of this.inFlight.values()) {
      for (const f of [...byId.values()]) this.finish(f, { result: "cancelled" });
    }
    for (const queue of this.waiting.values())
      for (const w of queue) w.done({ result: "cancelled" });
    this.waiting.clear();
  }

  private start(w: Waiting): void {
    const dest = `${normalizeAddress(w.target.address)}|${w.target.port}`;
    let byId = this.inFlight.get(dest);
    if (!byId) {
      byId = new Map();
      this.inFlight.set(dest, byId);
    }
    if (byId.size >= 256) {
      const queue = this.waiting.get(dest) ?? [];
      queue.push(w);
      this.waiting.set(dest, queue);
      return;
    }
    let id = this.nextId.get(dest) ?? 0;
    while (byId.has(id)) id = (id + 1) & 0xff;
    this.nextId.set(dest, (id + 1) & 0xff);
    const bytes = encodeSignedRequest(CODE.DISCONNECT_REQUEST, id, w.attributes, w.target.secret, {
      messageAuthenticator: true,
    });
    const f: InFlight = {
      target: w.target,
      identifier: id,
      tag: w.tag,
      bytes,
      authenticator: Buffer.from(bytes.subarray(4, 20)),
      done: w.done,
      attempts: 0,
      timer: undefined,
    };
    byId.set(id, f);
    this.transmit(f);
  }

  private transmit(f: InFlight): void {
    f.attempts++;
    if (f.attempts > 1) this.onRetransmit();
    this.socket.send(f.bytes, f.target.port, f.target.address, () => {
      // A send error (no route, ICMP unreachable on loopback) is handled like a lost datagram.
    });
    const wait = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (f.attempts - 1));
    f.timer = setTimeout(() => {
      if (f.attempts >= this.retry.maxAttempts) this.finish(f, { result: "gave_up" });
      else this.transmit(f);
    }, wait);
    f.timer.unref();
  }

  private finish(f: InFlight, outcome: DisconnectOutcome): void {
    clearTimeout(f.timer);
    const dest = `${normalizeAddress(f.target.address)}|${f.target.port}`;
    const byId = this.inFlight.get(dest);
    if (byId?.get(f.identifier) !== f) return;
    byId.delete(f.identifier);
    f.done(outcome);
    const next = this.waiting.get(dest)?.shift();
    if (next && !this.closed) this.start(next);
  }
}
