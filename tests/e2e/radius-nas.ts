/**
 * A NAS simulator: what a Wi-Fi access point or BNG does in RADIUS, over real UDP on loopback.
 * It sends Access-Requests and Accounting-Requests with its shared secret, checks the answers'
 * authenticators, and listens for RFC 5176 Disconnect-Requests, answering ACK (or NAK, or
 * nothing) as a test tells it to.
 */
import { randomBytes } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import {
  ATTR,
  CODE,
  decodePacket,
  encodeAccessRequest,
  encodeResponse,
  encodeSignedRequest,
  integerAttr,
  ipv4Attr,
  messageAuthenticatorValid,
  type RadiusAttribute,
  type RadiusPacket,
  requestAuthenticatorValid,
  responseAuthenticatorValid,
  textAttr,
} from "../../src/servers/radius/radius-packet.js";

export interface ReceivedDisconnect {
  readonly packet: RadiusPacket;
  /** performance.now() when it arrived. */
  readonly at: number;
  /** Both its Request Authenticator and Message-Authenticator verified with our secret. */
  readonly authentic: boolean;
}

export type CoaBehaviour = "ack" | "nak" | "silent";

export class NasSimulator {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { auth: Buffer; resolve: (p: RadiusPacket) => void; reject: (e: Error) => void }
  >();
  private readonly disconnects: ReceivedDisconnect[] = [];
  private readonly waiters: ((d: ReceivedDisconnect) => void)[] = [];
  /** What to do with the next Disconnect-Requests, one entry each; then `coaDefault`. */
  coaScript: CoaBehaviour[] = [];
  coaDefault: CoaBehaviour = "ack";

  private constructor(
    private readonly client: Socket,
    private readonly coa: Socket,
    readonly secret: Buffer,
    private readonly server: { host: string; authPort: number; acctPort: number },
  ) {
    client.on("message", (msg) => this.onAnswer(msg));
    coa.on("message", (msg, rinfo) => this.onCoa(msg, rinfo));
  }

  /** Bind the NAS's request socket and its CoA port (0: any free port) on `address`. */
  static async start(opts: {
    secret: string;
    server: { host?: string; authPort: number; acctPort: number };
    address?: string;
    coaPort?: number;
  }): Promise<NasSimulator> {
    const address = opts.address ?? "127.0.0.1";
    const bind = (s: Socket, port: number) =>
      new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(port, address, () => {
          s.off("error", reject);
          resolve();
        });
      });
    const client = createSocket("udp4");
    const coa = createSocket("udp4");
    await bind(client, 0);
    await bind(coa, opts.coaPort ?? 0);
    return new NasSimulator(client, coa, Buffer.from(opts.secret), {
      host: opts.server.host ?? "127.0.0.1",
      ...opts.server,
    });
  }

  get coaPort(): number {
    return this.coa.address().port;
  }

  private id(): number {
    this.nextId = (this.nextId + 1) & 0xff;
    return this.nextId;
  }

  /** Send raw octets to the auth (or accounting) port, for malformed-packet tests. */
  sendRaw(bytes: Uint8Array, to: "auth" | "acct" = "auth"): void {
    const port = to === "auth" ? this.server.authPort : this.server.acctPort;
    this.client.send(bytes, port, this.server.host);
  }

  /** An Access-Request for a device MAC; resolves with the verified Accept or Reject. */
  accessRequest(
    callingStationId: string,
    opts: { userName?: string; nasIdentifier?: string; timeoutMs?: number } = {},
  ): Promise<RadiusPacket> {
    const identifier = this.id();
    const auth = randomBytes(16);
    const attributes: RadiusAttribute[] = [
      textAttr(ATTR.USER_NAME, opts.userName ?? callingStationId),
      textAttr(ATTR.CALLING_STATION_ID, callingStationId),
      textAttr(ATTR.NAS_IDENTIFIER, opts.nasIdentifier ?? "nas-sim"),
      ipv4Attr(ATTR.NAS_IP_ADDRESS, "127.0.0.1"),
    ];
    const bytes = encodeAccessRequest(
      CODE.ACCESS_REQUEST,
      identifier,
      auth,
      attributes,
      this.secret,
    );
    return this.exchange(identifier, auth, bytes, this.server.authPort, opts.timeoutMs ?? 2_000);
  }

  /** Status-Server (RFC 5997). */
  statusServer(timeoutMs = 2_000): Promise<RadiusPacket> {
    const identifier = this.id();
    const auth = randomBytes(16);
    const bytes = encodeAccessRequest(CODE.STATUS_SERVER, identifier, auth, [], this.secret);
    return this.exchange(identifier, auth, bytes, this.server.authPort, timeoutMs);
  }

  /**
   * An Accounting-Request; resolves with the verified Accounting-Response. The User-Name is the
   * MAC (MAC authentication) unless one is given.
   */
  accounting(
    statusType: number,
    acctSessionId: string,
    callingStationId: string,
    opts: { userName?: string; timeoutMs?: number } = {},
  ): Promise<RadiusPacket> {
    const identifier = this.id();
    const bytes = encodeSignedRequest(
      CODE.ACCOUNTING_REQUEST,
      identifier,
      [
        integerAttr(ATTR.ACCT_STATUS_TYPE, statusType),
        textAttr(ATTR.ACCT_SESSION_ID, acctSessionId),
        textAttr(ATTR.USER_NAME, opts.userName ?? callingStationId),
        textAttr(ATTR.CALLING_STATION_ID, callingStationId),
        textAttr(ATTR.NAS_IDENTIFIER, "nas-sim"),
        ipv4Attr(ATTR.NAS_IP_ADDRESS, "127.0.0.1"),
      ],
      this.secret,
    );
    const auth = Buffer.from(bytes.subarray(4, 20));
    return this.exchange(identifier, auth, bytes, this.server.acctPort, opts.timeoutMs ?? 2_000);
  }

  private exchange(
    identifier: number,
    auth: Buffer,
    bytes: Buffer,
    port: number,
    timeoutMs: number,
  ): Promise<RadiusPacket> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(identifier);
        reject(new Error(`no RADIUS answer to identifier ${identifier} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(identifier, {
        auth,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.client.send(bytes, port, this.server.host);
    });
  }

  private onAnswer(msg: Buffer): void {
    const p = decodePacket(msg);
    const waiting = this.pending.get(p.identifier);
    if (!waiting) return;
    this.pending.delete(p.identifier);
    if (!responseAuthenticatorValid(p, waiting.auth, this.secret)) {
      waiting.reject(new Error("the answer's Response Authenticator does not verify"));
    } else if (
      p.messageAuthenticatorAt !== undefined &&
      !messageAuthenticatorValid(p, this.secret, waiting.auth)
    ) {
      waiting.reject(new Error("the answer's Message-Authenticator does not verify"));
    } else {
      waiting.resolve(p);
    }
  }

  private onCoa(msg: Buffer, rinfo: RemoteInfo): void {
    const p = decodePacket(msg);
    const authentic =
      requestAuthenticatorValid(p, this.secret) &&
      messageAuthenticatorValid(p, this.secret, new Uint8Array(16));
    const d: ReceivedDisconnect = { packet: p, at: performance.now(), authentic };
    this.disconnects.push(d);
    for (const w of this.waiters.splice(0)) w(d);
    const behaviour = this.coaScript.shift() ?? this.coaDefault;
    if (behaviour === "silent" || !authentic) return;
    const code = behaviour === "ack" ? CODE.DISCONNECT_ACK : CODE.DISCONNECT_NAK;
    // RFC 5176 §3.5: Error-Cause 503 Session Context Not Found.
    const attrs = behaviour === "nak" ? [integerAttr(ATTR.ERROR_CAUSE, 503)] : [];
    this.coa.send(encodeResponse(code, p, attrs, this.secret), rinfo.port, rinfo.address);
  }

  /** Every Disconnect-Request received so far. */
  get received(): readonly ReceivedDisconnect[] {
    return this.disconnects;
  }

  /** The next Disconnect-Request to arrive (or the first already received after `skip`). */
  nextDisconnect(timeoutMs: number, skip = this.disconnects.length): Promise<ReceivedDisconnect> {
    const ready = this.disconnects[skip];
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no Disconnect-Request in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const wait = () => {
        const d = this.disconnects[skip];
        if (d) {
          clearTimeout(timer);
          resolve(d);
        } else this.waiters.push(wait);
      };
      this.waiters.push(wait);
    });
  }

  close(): void {
    for (const w of this.pending.values()) w.reject(new Error("NAS simulator closed"));
    this.pending.clear();
    this.client.close();
    this.coa.close();
  }
}
