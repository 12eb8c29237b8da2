import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { isIP } from "node:net";
import type { Logger } from "pino";
import type { CommittedBlock } from "../../ledger/application.js";
import type { EquipmentCheck } from "../equipment-check.js";
import { normalizeAddress } from "../remote-address.js";
import {
  DEFAULT_DISCONNECT_RETRY,
  type DisconnectRetry,
  DisconnectSender,
} from "./disconnect-sender.js";
import { deviceOfRequest, subscriberOfRequest } from "./radius-check.js";
import type { RadiusClientConfig } from "./radius-clients.js";
import type { RadiusMetrics } from "./radius-metrics.js";
import {
  ACCT_STATUS,
  ATTR,
  CODE,
  decodePacket,
  encodeResponse,
  integerAttr,
  integerAttribute,
  ipv4Attr,
  ipv4Attribute,
  messageAuthenticatorValid,
  type RadiusAttribute,
  RadiusDecodeError,
  type RadiusPacket,
  requestAuthenticatorValid,
  textAttr,
  textAttribute,
} from "./radius-packet.js";
import { type RadiusClient, type RadiusSession, RadiusSessions } from "./radius-sessions.js";

export interface RadiusServerDeps {
  /**
   * The EIR answer, per subscriber when one is given (a paired device: WHITELISTED for a paired
   * subscriber, BLACKLISTED for others), under radiusUnknownMac, and the observation it leaves.
   */
  readonly check: EquipmentCheck;
  /** Every identifier key of a device, by the device id a device.changed event names. */
  readonly identifierKeysOf: (deviceId: string) => readonly string[];
  /** Subscribe to committed blocks (after they are durable); returns the unsubscribe function. */
  readonly subscribe: (listener: (committed: CommittedBlock) => void) => () => void;
  readonly clients: readonly RadiusClientConfig[];
  /** The NAS's Disconnect-Request port when its client entry names none (RFC 5176: 3799). */
  readonly coaPort: number;
  readonly metrics: RadiusMetrics;
  readonly logger: Logger;
  readonly disconnectRetry?: DisconnectRetry;
  readonly maxSessions?: number;
}

export interface RadiusPorts {
  readonly authPort?: number;
  readonly acctPort?: number;
}

const ACCT_STATUS_NAMES: Readonly<Record<number, string>> = {
  [ACCT_STATUS.START]: "start",
  [ACCT_STATUS.STOP]: "stop",
  [ACCT_STATUS.INTERIM_UPDATE]: "interim_update",
  [ACCT_STATUS.ACCOUNTING_ON]: "accounting_on",
  [ACCT_STATUS.ACCOUNTING_OFF]: "accounting_off",
};

const BLOCKED_MESSAGE = textAttr(ATTR.REPLY_MESSAGE, "devicechain: this device is blocked");
const UNKNOWN_MESSAGE = textAttr(ATTR.REPLY_MESSAGE, "devicechain: this device is not registered");
const NO_DEVICE_MESSAGE = textAttr(ATTR.REPLY_MESSAGE, "devicechain: no device MAC in the request");

/**
 * The built-in RADIUS server: Access-Request by device MAC (RFC 2865, Message-Authenticator of
 * RFC 2869/3579), Status-Server (RFC 5997), accounting (RFC 2866) to learn active sessions, and
 * RFC 5176 Disconnect-Requests to the NAS when a committed block blocks a device in session.
 * Every datagram that is malformed, from an unknown client or badly authenticated is dropped and
 * counted; nothing a peer sends can throw out of a socket handler.
 */
export class RadiusServer {
  private readonly clients = new Map<string, RadiusClient>();
  private readonly sessions: RadiusSessions;
  private readonly sockets: Socket[] = [];
  private sender: DisconnectSender | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: RadiusServerDeps) {
    for (const c of deps.clients) {
      const address = normalizeAddress(c.address);
      this.clients.set(address, {
        address,
        name: c.name ?? address,
        secret: Buffer.from(c.secret, "utf8"),
        coaPort: c.coaPort ?? deps.coaPort,
        requireMessageAuthenticator: c.requireMessageAuthenticator ?? true,
      });
    }
    this.sessions = new RadiusSessions(deps.maxSessions ?? 1_000_000);
  }

  /** Active sessions known from accounting. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Bind the ports (0 picks a free one, -1 leaves that service off) and follow commits. */
  async listen(host: string, authPort: number, acctPort: number): Promise<RadiusPorts> {
    const type = isIP(host) === 6 ? "udp6" : "udp4";
    try {
      const ports: { authPort?: number; acctPort?: number } = {};
      if (authPort >= 0) {
        ports.authPort = await this.bind(type, host, authPort, (m, r, s) => this.onAuth(m, r, s));
      }
      if (acctPort >= 0) {
        ports.acctPort = await this.bind(type, host, acctPort, (m, r, s) => this.onAcct(m, r, s));
        const coa = createSocket(type);
        const sender = new DisconnectSender(
          coa,
          this.deps.disconnectRetry ?? DEFAULT_DISCONNECT_RETRY,
          () => this.deps.metrics.disconnects.inc({ result: "retransmitted" }),
          (reason) => this.deps.metrics.dropped.inc({ reason: `coa_${reason}` }),
        );
        await this.bind(type, host, 0, (m, r) => sender.handle(m, r), coa);
        this.sender = sender;
        this.unsubscribe = this.deps.subscribe((c) => this.onCommit(c));
      }
      return ports;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.sender?.close();
    this.sender = undefined;
    const sockets = this.sockets.splice(0);
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private async bind(
    type: "udp4" | "udp6",
    host: string,
    port: number,
    onMessage: (msg: Buffer, rinfo: RemoteInfo, socket: Socket) => void,
    existing?: Socket,
  ): Promise<number> {
    const socket = existing ?? createSocket(type);
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    this.sockets.push(socket);
    try {
      // Room for bursts: the kernel caps it at net.core.rmem_max.
      socket.setRecvBufferSize(4 * 1024 * 1024);
    } catch {
      // Best effort.
    }
    socket.on("message", (msg, rinfo) => {
      try {
        onMessage(msg, rinfo, socket);
      } catch (e) {
        // A bug must cost one datagram, never the server.
        this.deps.metrics.dropped.inc({ reason: "internal_error" });
        this.deps.logger.error({ err: e }, "RADIUS datagram failed");
      }
    });
    socket.on("error", (e) => this.deps.logger.warn({ err: e }, "RADIUS socket error"));
    return socket.address().port;
  }

  /** The client a datagram comes from and its decoded packet, or undefined (dropped, counted). */
  private receive(msg: Buffer, rinfo: RemoteInfo): [RadiusClient, RadiusPacket] | undefined {
    const client = this.clients.get(normalizeAddress(rinfo.address));
    if (!client) {
      this.deps.metrics.dropped.inc({ reason: "unknown_client" });
      return undefined;
    }
    try {
      return [client, decodePacket(msg)];
    } catch (e) {
      if (!(e instanceof RadiusDecodeError)) throw e;
      this.deps.metrics.dropped.inc({ reason: e.reason });
      return undefined;
    }
  }

  private onAuth(msg: Buffer, rinfo: RemoteInfo, socket: Socket): void {
    const received = this.receive(msg, rinfo);
    if (!received) return;
    const [client, p] = received;
    if (p.code !== CODE.ACCESS_REQUEST && p.code !== CODE.STATUS_SERVER) {
      this.deps.metrics.dropped.inc({ reason: "unexpected_code" });
      return;
    }
    if (p.messageAuthenticatorAt === undefined) {
      // RFC 5997 §3 requires it on Status-Server; BlastRADIUS on every Access-Request.
      if (p.code === CODE.STATUS_SERVER || client.requireMessageAuthenticator) {
        this.deps.metrics.dropped.inc({ reason: "missing_message_authenticator" });
        return;
      }
    } else if (!messageAuthenticatorValid(p, client.secret)) {
      this.deps.metrics.dropped.inc({ reason: "bad_authenticator" });
      return;
    }
    if (p.code === CODE.STATUS_SERVER) {
      this.reply(socket, rinfo, encodeResponse(CODE.ACCESS_ACCEPT, p, [], client.secret));
      return;
    }
    const userName = textAttribute(p, ATTR.USER_NAME);
    const callingStationId = textAttribute(p, ATTR.CALLING_STATION_ID);
    const device = deviceOfRequest(callingStationId, userName);
    if (!device) {
      this.deps.metrics.checks.inc({ via: "radius", answer: "reject" });
      this.reply(
        socket,
        rinfo,
        encodeResponse(CODE.ACCESS_REJECT, p, [NO_DEVICE_MESSAGE], client.secret),
      );
      return;
    }
    const { admitted, known } = this.deps.check.check({
      identifier: device,
      subscriber: subscriberOfRequest(userName, device),
      protocol: "radius",
      network:
        textAttribute(p, ATTR.NAS_IDENTIFIER) ??
        ipv4Attribute(p, ATTR.NAS_IP_ADDRESS) ??
        client.address,
      // RFC 2865's Request Authenticator is random, not a MAC: without a Message-Authenticator
      // (allowed for a client with requireMessageAuthenticator false) anyone who can send from
      // the NAS's address could have sent it. With one, it has been verified above.
      authenticated: p.messageAuthenticatorAt !== undefined,
    });
    this.deps.metrics.checks.inc({ via: "radius", answer: admitted ? "accept" : "reject" });
    const attributes: RadiusAttribute[] = admitted
      ? []
      : [known ? BLOCKED_MESSAGE : UNKNOWN_MESSAGE];
    const code = admitted ? CODE.ACCESS_ACCEPT : CODE.ACCESS_REJECT;
    this.reply(socket, rinfo, encodeResponse(code, p, attributes, client.secret));
  }

  private onAcct(msg: Buffer, rinfo: RemoteInfo, socket: Socket): void {
    const received = this.receive(msg, rinfo);
    if (!received) return;
    const [client, p] = received;
    if (p.code !== CODE.ACCOUNTING_REQUEST) {
      this.deps.metrics.dropped.inc({ reason: "unexpected_code" });
      return;
    }
    if (
      !requestAuthenticatorValid(p, client.secret) ||
      (p.messageAuthenticatorAt !== undefined &&
        !messageAuthenticatorValid(p, client.secret, new Uint8Array(16)))
    ) {
      this.deps.metrics.dropped.inc({ reason: "bad_authenticator" });
      return;
    }
    const statusType = integerAttribute(p, ATTR.ACCT_STATUS_TYPE);
    const acctSessionId = textAttribute(p, ATTR.ACCT_SESSION_ID);
    // RFC 2866 §5.1, §5.5: both are required; without them the request cannot be recorded.
    if (statusType === undefined || acctSessionId === undefined) {
      this.deps.metrics.dropped.inc({ reason: "malformed" });
      return;
    }
    this.deps.metrics.accounting.inc({ status: ACCT_STATUS_NAMES[statusType] ?? "other" });
    let toCheck: RadiusSession | undefined;
    if (statusType === ACCT_STATUS.START || statusType === ACCT_STATUS.INTERIM_UPDATE) {
      toCheck = this.track(p, client, acctSessionId);
    } else if (statusType === ACCT_STATUS.STOP) {
      if (this.sessions.remove(client.address, acctSessionId)) {
        this.sender?.cancel(`${client.address}|${acctSessionId}`);
      }
    } else if (
      statusType === ACCT_STATUS.ACCOUNTING_ON ||
      statusType === ACCT_STATUS.ACCOUNTING_OFF
    ) {
      this.sessions.removeClient(client.address);
    }
    this.deps.metrics.sessions.set(this.sessions.size);
    // RFC 2866 §2: answer only once the record is kept, which it now is. No Message-Authenticator:
    // RFC 2866 defines none, and implementations disagree on its vector (FreeRADIUS uses zeros).
    this.reply(
      socket,
      rinfo,
      encodeResponse(CODE.ACCOUNTING_RESPONSE, p, [], client.secret, {
        messageAuthenticator: false,
      }),
    );
    // A device already blocked when its session starts (accepted elsewhere, or before the block).
    if (toCheck && this.blocked(toCheck)) this.disconnect(toCheck);
  }

  private track(
    p: RadiusPacket,
    client: RadiusClient,
    acctSessionId: string,
  ): RadiusSession | undefined {
    const userName = textAttribute(p, ATTR.USER_NAME);
    const callingStationId = textAttribute(p, ATTR.CALLING_STATION_ID);
    const device = deviceOfRequest(callingStationId, userName);
    if (!device) {
      this.deps.metrics.dropped.inc({ reason: "session_without_mac" });
      return undefined;
    }
    const subscriber = subscriberOfRequest(userName, device);
    const nasIpAddress = ipv4Attribute(p, ATTR.NAS_IP_ADDRESS);
    const nasIdentifier = textAttribute(p, ATTR.NAS_IDENTIFIER);
    const session: RadiusSession = {
      client,
      acctSessionId,
      identifierKey: device.key,
      ...(userName === undefined ? {} : { userName }),
      ...(subscriber === undefined ? {} : { subscriber }),
      ...(callingStationId === undefined ? {} : { callingStationId }),
      ...(nasIpAddress === undefined ? {} : { nasIpAddress }),
      ...(nasIdentifier === undefined ? {} : { nasIdentifier }),
      since: Date.now(),
    };
    if (!this.sessions.upsert(session)) {
      this.deps.metrics.dropped.inc({ reason: "session_table_full" });
      return undefined;
    }
    return session;
  }

  /** What the registry now answers for a session's device and subscriber is BLACKLISTED. */
  private blocked(s: RadiusSession): boolean {
    return (
      this.deps.check.recheck(s.identifierKey, s.subscriber, "radius").status === "BLACKLISTED"
    );
  }

  /**
   * After each durable block: disconnect every session whose device it blacklisted, and, when it
   * changed a device's pairings, every session of a subscriber no longer paired with it (a clone).
   */
  private onCommit({ results }: CommittedBlock): void {
    if (this.sessions.size === 0) return;
    for (const r of results) {
      if (r.code !== 0) continue;
      for (const e of r.events) {
        if (e.type !== "device.changed") continue;
        const { device, status, event } = e.attributes;
        if (device === undefined) continue;
        if (status !== "BLACKLISTED" && event !== "paired" && event !== "unpaired") continue;
        for (const key of this.deps.identifierKeysOf(device)) {
          for (const s of this.sessions.ofIdentifier(key)) if (this.blocked(s)) this.disconnect(s);
        }
      }
    }
  }

  /** RFC 5176 §3: identify the session as the NAS knows it, then send until ACK or NAK. */
  private disconnect(s: RadiusSession): void {
    const sender = this.sender;
    if (!sender) return;
    const tag = `${s.client.address}|${s.acctSessionId}`;
    const attributes: RadiusAttribute[] = [
      textAttr(ATTR.ACCT_SESSION_ID, s.acctSessionId),
      ...(s.userName === undefined ? [] : [textAttr(ATTR.USER_NAME, s.userName)]),
      ...(s.callingStationId === undefined
        ? []
        : [textAttr(ATTR.CALLING_STATION_ID, s.callingStationId)]),
      ...(s.nasIpAddress === undefined ? [] : [ipv4Attr(ATTR.NAS_IP_ADDRESS, s.nasIpAddress)]),
      ...(s.nasIdentifier === undefined ? [] : [textAttr(ATTR.NAS_IDENTIFIER, s.nasIdentifier)]),
      // RFC 5176 §3.4 / §6.1: Event-Timestamp lets the NAS refuse replays.
      integerAttr(ATTR.EVENT_TIMESTAMP, Math.floor(Date.now() / 1000)),
    ];
    sender.cancel(tag); // one Disconnect-Request per session at a time
    const target = { address: s.client.address, port: s.client.coaPort, secret: s.client.secret };
    this.deps.logger.info(
      { nas: s.client.name, session: s.acctSessionId, device: s.identifierKey },
      "RADIUS Disconnect-Request: device blocked during its session",
    );
    void sender.send(target, attributes, tag).then((outcome) => {
      if (outcome.result === "cancelled") return;
      this.deps.metrics.disconnects.inc({ result: outcome.result });
      if (outcome.result === "ack" || outcome.result === "nak") {
        // The NAS has answered for this session: ended (ACK) or refused for good (NAK).
        this.sessions.remove(s.client.address, s.acctSessionId);
        this.deps.metrics.sessions.set(this.sessions.size);
      }
      this.deps.logger.info(
        { nas: s.client.name, session: s.acctSessionId, ...outcome },
        "RADIUS Disconnect-Request answered",
      );
    });
  }

  private reply(socket: Socket, rinfo: RemoteInfo, bytes: Buffer): void {
    socket.send(bytes, rinfo.port, rinfo.address);
  }
}
