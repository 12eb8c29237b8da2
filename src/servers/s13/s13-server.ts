import { createServer, type Server, type Socket } from "node:net";
import { ERRORS, type ErrorCode, type ErrorSpec } from "../../core/errors/catalogue.js";
import { imeiIdentifier, parseImei } from "../../core/identifiers/imei.js";
import {
  type ConnectionMetrics,
  type ConnectionPolicy,
  ConnectionTracker,
} from "../connection-policy.js";
import type { EquipmentCheck } from "../equipment-check.js";
import {
  AVP,
  COMMAND,
  EQUIPMENT_STATUS,
  NO_STATE_MAINTAINED,
  S13_APPLICATION_ID,
  VENDOR_3GPP,
} from "./diameter-avps.js";
import {
  type Avp,
  addressAvp,
  avpUtf8,
  DIAMETER_VERSION,
  DiameterDecodeError,
  type DiameterMessage,
  decodeAvps,
  decodeHeader,
  decodeMessage,
  encodeMessage,
  FLAG_ERROR,
  FLAG_PROXIABLE,
  FLAG_REQUEST,
  findAvp,
  groupedAvp,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  messageLength,
  RESULT,
  u32Avp,
  utf8Avp,
} from "./diameter-message.js";
import type {
  DiameterPeerConfig,
  DiameterPeerList,
  DiameterUnlistedPeerPolicy,
} from "./diameter-peers.js";
import { PeerWatchdog } from "./peer-watchdog.js";

export interface S13Deps {
  /** The EIR answer (per subscriber when the ECR has a User-Name, the IMSI) and its observation. */
  readonly check: EquipmentCheck;
  /** Our Diameter identity (RFC 6733 DiameterIdentity). */
  readonly originHost: string;
  readonly originRealm: string;
  readonly productName: string;
  readonly firmwareRevision: number;
  /** The allow-listed peers; with none, every peer is answered and none is authenticated. */
  readonly peers?: DiameterPeerList | undefined;
  /** With peers listed: refuse an unlisted peer (the default), or answer it unauthenticated. */
  readonly unlistedPeers?: DiameterUnlistedPeerPolicy | undefined;
  /** Deadlines and limits per peer connection: first byte, whole message, watchdog Tw, per-address cap. */
  readonly connections: ConnectionPolicy;
  readonly connectionMetrics: ConnectionMetrics;
}

type Handler = (request: DiameterMessage) => readonly Avp[];

/** What one connection has shown of its peer. */
interface PeerConnection {
  readonly remoteAddress: string | undefined;
  /** The listed peer whose CER this connection carried; undefined before that, or if unlisted. */
  peer: DiameterPeerConfig | undefined;
}

type Answer = { bytes: Buffer; disconnect?: boolean };

/**
 * The S13/S13′ EIR (3GPP TS 29.272 §5.3.2 ME Identity Check) over Diameter on TCP. It answers
 * CER, DWR and DPR for the peer connection, and ECR from the local replica. Requests are answered
 * in arrival order on each connection, so any number may be in flight; a malformed one gets the
 * protocol error RFC 6733 asks for, and never brings the server down.
 */
export class S13Server {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly originStateId = Math.floor(Date.now() / 1000);
  private readonly tracker: ConnectionTracker;
  /** Our hop-by-hop and end-to-end identifiers; RFC 6733 §3 suggests starting from the clock. */
  private lastId = (Math.floor(Date.now() / 1000) << 20) >>> 0;

  constructor(private readonly deps: S13Deps) {
    this.tracker = new ConnectionTracker(
      "s13",
      deps.connections.maxConnectionsPerAddress,
      deps.connectionMetrics,
    );
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (!this.tracker.admit(socket)) return;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const connection: PeerConnection = { remoteAddress: socket.remoteAddress, peer: undefined };
    const policy = this.deps.connections;
    let pending: Buffer = Buffer.alloc(0);
    let closing = false;
    let watchdog: PeerWatchdog | undefined;
    // Until the first byte, the first-byte deadline; then each message has the request deadline
    // from its first byte to its last.
    let deadline: NodeJS.Timeout | undefined = setTimeout(
      () => this.tracker.close(socket, "first_byte"),
      policy.firstByteTimeoutMs,
    );
    // When the message still incomplete in `pending` began (0: none). One timer checks it, so a
    // busy peer whose chunks end mid-message costs no timer per chunk.
    let messageStartedAt = 0;
    const checkMessage = (): void => {
      deadline = undefined;
      if (messageStartedAt === 0 || closing) return;
      const left = messageStartedAt + policy.requestTimeoutMs - performance.now();
      if (left <= 0) this.tracker.close(socket, "request");
      else deadline = setTimeout(checkMessage, left);
    };
    let started = false;
    const closeAfter = (bytes: Buffer): void => {
      closing = true;
      clearTimeout(deadline);
      watchdog?.stop();
      socket.end(bytes);
      // A peer that never closes its side would keep the connection half open.
      setTimeout(() => socket.destroy(), policy.firstByteTimeoutMs).unref();
    };
    socket.on("data", (chunk: Buffer) => {
      if (closing) return;
      if (!started) {
        started = true;
        clearTimeout(deadline);
        deadline = undefined;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      let messages = 0;
      while (pending.length >= 4) {
        if (pending[0] !== DIAMETER_VERSION) {
          if (pending.length < HEADER_LENGTH) break;
          // RFC 6733 §3 defines the header's layout for version 1 only: another version's
          // Message Length cannot be trusted to find the next message, so after the 5011 answer
          // (§7.1.5) the connection closes, as for any framing that cannot be trusted.
          const header = decodeHeader(pending);
          if ((header.flags & FLAG_REQUEST) !== 0) {
            out.push(
              this.errorAnswer(
                { ...header, avps: [] },
                RESULT.UNSUPPORTED_VERSION,
                `Diameter version ${pending[0]} is not supported; this peer speaks version ${DIAMETER_VERSION}`,
              ),
            );
          }
          this.tracker.count("unsupported_version");
          closeAfter(Buffer.concat(out));
          return;
        }
        const length = messageLength(pending);
        if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
          // No way to find the next message boundary: RFC 6733 §3 leaves closing as the only option.
          this.tracker.close(socket, "framing");
          return;
        }
        if (pending.length < length) break;
        const frame = pending.subarray(0, length);
        pending = pending.subarray(length);
        messages++;
        const answer = this.answer(frame, connection);
        if (answer) out.push(answer.bytes);
        if (answer?.disconnect) {
          closeAfter(Buffer.concat(out));
          return;
        }
      }
      if (pending.length === 0) messageStartedAt = 0;
      else if (messages > 0 || messageStartedAt === 0) {
        // A message has begun in this chunk: its deadline runs from here, however it trickles in.
        messageStartedAt = performance.now();
        deadline ??= setTimeout(checkMessage, policy.requestTimeoutMs);
      }
      if (messages > 0) {
        watchdog ??= new PeerWatchdog(
          policy.diameterWatchdogMs,
          () => this.send(socket, this.watchdogRequest()),
          () => this.tracker.close(socket, "watchdog"),
        );
        watchdog.received();
      }
      if (out.length > 0) this.send(socket, out.length === 1 ? out[0]! : Buffer.concat(out));
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      clearTimeout(deadline);
      watchdog?.stop();
      this.sockets.delete(socket);
    });
  }

  /**
   * Write to a peer; while it does not read what it is sent, stop reading what it sends, so that
   * answers to requests it keeps pipelining cannot pile up in memory.
   */
  private send(socket: Socket, bytes: Buffer): void {
    if (socket.destroyed || socket.writableEnded) return;
    if (!socket.write(bytes) && !socket.isPaused()) {
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  }

  /** Our Device-Watchdog-Request (RFC 6733 §5.5.1): not proxiable, no Session-Id. */
  private watchdogRequest(): Buffer {
    const id = this.nextId();
    return encodeMessage({
      flags: FLAG_REQUEST,
      commandCode: COMMAND.DEVICE_WATCHDOG,
      applicationId: 0,
      hopByHop: id,
      endToEnd: id,
      avps: [
        utf8Avp(AVP.ORIGIN_HOST, this.deps.originHost),
        utf8Avp(AVP.ORIGIN_REALM, this.deps.originRealm),
        u32Avp(AVP.ORIGIN_STATE_ID, this.originStateId),
      ],
    });
  }

  private nextId(): number {
    this.lastId = (this.lastId + 1) >>> 0;
    return this.lastId;
  }

  /** The answer to one framed message, or undefined for an answer from the peer (nothing to say). */
  private answer(frame: Buffer, connection: PeerConnection): Answer | undefined {
    let request: DiameterMessage;
    try {
      request = decodeMessage(frame);
    } catch (e) {
      if (!(e instanceof DiameterDecodeError)) throw e;
      const header = decodeHeader(frame);
      if ((header.flags & FLAG_REQUEST) === 0) return undefined;
      return {
        bytes: this.errorAnswer({ ...header, avps: [] }, e.resultCode, e.message, e.failedAvp),
      };
    }
    if ((request.flags & FLAG_REQUEST) === 0) return undefined;
    const refusal = this.admit(request, connection);
    if (refusal) return refusal;
    const handler = this.handlerFor(request, connection);
    if (!handler) {
      const app = request.applicationId !== 0 && request.applicationId !== S13_APPLICATION_ID;
      const code = app ? RESULT.APPLICATION_UNSUPPORTED : RESULT.COMMAND_UNSUPPORTED;
      return {
        bytes: this.errorAnswer(request, code, `Command ${request.commandCode} is not supported`),
      };
    }
    try {
      const avps = handler(request);
      return {
        bytes: this.encodeAnswer(request, avps, 0),
        ...(request.commandCode === COMMAND.DISCONNECT_PEER ? { disconnect: true } : {}),
      };
    } catch (e) {
      if (!(e instanceof DiameterDecodeError)) throw e;
      return { bytes: this.errorAnswer(request, e.resultCode, e.message, e.failedAvp) };
    }
  }

  /**
   * The allow-list (RFC 6733 §5.3: a peer is known by its CER). A CER from a listed peer marks
   * the connection as that peer's; with peers listed and unlisted ones refused, a CER from any
   * other peer, or any request before a listed peer's CER, gets DIAMETER_UNKNOWN_PEER and the
   * connection is closed, and a request whose own Origin-Host and Origin-Realm are not listed
   * (something behind a relay that nobody listed) gets DIAMETER_UNKNOWN_PEER alone.
   */
  private admit(request: DiameterMessage, connection: PeerConnection): Answer | undefined {
    const peers = this.deps.peers;
    if (!peers?.active) return undefined;
    const refuse = this.deps.unlistedPeers !== "answer";
    const [host, realm] = originOf(request);
    if (request.applicationId === 0 && request.commandCode === COMMAND.CAPABILITIES_EXCHANGE) {
      connection.peer = peers.match(host, realm, connection.remoteAddress);
      if (connection.peer || !refuse) return undefined;
      const who = `${host ?? "a peer without Origin-Host"} (${realm ?? "no realm"})`;
      return this.unknownPeer(request, `${who} is not a configured Diameter peer`, true);
    }
    if (!refuse) return undefined;
    if (!connection.peer) {
      return this.unknownPeer(request, "no CER from a configured peer on this connection", true);
    }
    if (request.applicationId !== 0 && !this.authenticated(request, connection)) {
      return this.unknownPeer(request, `${host ?? "the Origin-Host"} is not a configured peer`);
    }
    return undefined;
  }

  private unknownPeer(request: DiameterMessage, text: string, disconnect = false): Answer {
    return {
      bytes: this.errorAnswer(request, RESULT.UNKNOWN_PEER, text),
      ...(disconnect ? { disconnect: true } : {}),
    };
  }

  /** A request from a listed peer's connection whose own origin is listed too. */
  private authenticated(request: DiameterMessage, connection: PeerConnection): boolean {
    if (!this.deps.peers?.active || connection.peer === undefined) return false;
    const [host, realm] = originOf(request);
    return this.deps.peers.match(host, realm, connection.remoteAddress) !== undefined;
  }

  private handlerFor(m: DiameterMessage, connection: PeerConnection): Handler | undefined {
    if (m.applicationId === 0) {
      if (m.commandCode === COMMAND.CAPABILITIES_EXCHANGE) return () => this.capabilities();
      if (m.commandCode === COMMAND.DEVICE_WATCHDOG) return () => this.identity(RESULT.SUCCESS);
      if (m.commandCode === COMMAND.DISCONNECT_PEER) return () => this.identity(RESULT.SUCCESS);
      return undefined;
    }
    if (m.applicationId === S13_APPLICATION_ID && m.commandCode === COMMAND.ME_IDENTITY_CHECK) {
      return (r) => this.identityCheck(r, this.authenticated(r, connection));
    }
    return undefined;
  }

  private identity(resultCode: number): Avp[] {
    return [
      u32Avp(AVP.RESULT_CODE, resultCode),
      utf8Avp(AVP.ORIGIN_HOST, this.deps.originHost),
      utf8Avp(AVP.ORIGIN_REALM, this.deps.originRealm),
      u32Avp(AVP.ORIGIN_STATE_ID, this.originStateId),
    ];
  }

  private capabilities(): Avp[] {
    return [
      u32Avp(AVP.RESULT_CODE, RESULT.SUCCESS),
      utf8Avp(AVP.ORIGIN_HOST, this.deps.originHost),
      utf8Avp(AVP.ORIGIN_REALM, this.deps.originRealm),
      addressAvp(AVP.HOST_IP_ADDRESS, "127.0.0.1"),
      u32Avp(AVP.VENDOR_ID, 0),
      utf8Avp(AVP.PRODUCT_NAME, this.deps.productName, { mandatory: false }),
      u32Avp(AVP.ORIGIN_STATE_ID, this.originStateId),
      u32Avp(AVP.SUPPORTED_VENDOR_ID, VENDOR_3GPP),
      groupedAvp(AVP.VENDOR_SPECIFIC_APPLICATION_ID, [
        u32Avp(AVP.VENDOR_ID, VENDOR_3GPP),
        u32Avp(AVP.AUTH_APPLICATION_ID, S13_APPLICATION_ID),
      ]),
      u32Avp(AVP.FIRMWARE_REVISION, this.deps.firmwareRevision, { mandatory: false }),
    ];
  }

  /** ECR → ECA (TS 29.272 §5.3.2.1, §7.2.19-20). */
  private identityCheck(request: DiameterMessage, authenticated: boolean): Avp[] {
    const sessionId = findAvp(request.avps, AVP.SESSION_ID);
    if (!sessionId) throw missing(AVP.SESSION_ID);
    const terminal = findAvp(request.avps, AVP.TERMINAL_INFORMATION, VENDOR_3GPP);
    if (!terminal) throw missing(AVP.TERMINAL_INFORMATION, VENDOR_3GPP);
    const imeiAvp = findAvp(decodeAvps(terminal.data), AVP.IMEI, VENDOR_3GPP);
    if (!imeiAvp) throw missing(AVP.IMEI, VENDOR_3GPP);
    const digits = avpUtf8(imeiAvp);
    // TS 29.272 §7.3.4: 14 digits (TAC and SNR), possibly a 15th; from the network, so unchecked.
    if (!/^[0-9]{14,15}$/.test(digits)) {
      throw new DiameterDecodeError(
        ERRORS.IMEI_BAD_FORMAT.diameter.resultCode,
        `IMEI ${JSON.stringify(digits)} is not 14 or 15 digits`,
        imeiAvp,
      );
    }
    // TS 29.272 §5.3.2.1: the MME or SGSN may send the subscriber's IMSI as User-Name.
    const imsi = findAvp(request.avps, AVP.USER_NAME);
    const realm = findAvp(request.avps, AVP.ORIGIN_REALM);
    const { status, refusal } = this.deps.check.check({
      identifier: imeiIdentifier(parseImei(digits, "network")),
      subscriber: imsi ? avpUtf8(imsi) : undefined,
      protocol: "s13",
      network: realm ? avpUtf8(realm) : "unknown realm",
      authenticated,
    });
    const origin = [
      utf8Avp(AVP.ORIGIN_HOST, this.deps.originHost),
      utf8Avp(AVP.ORIGIN_REALM, this.deps.originRealm),
    ];
    const sessionState = u32Avp(AVP.AUTH_SESSION_STATE, NO_STATE_MAINTAINED);
    if (status === undefined) {
      return [sessionId, resultAvp(refusal ?? "DEVICE_UNKNOWN"), sessionState, ...origin];
    }
    const equipment = u32Avp(AVP.EQUIPMENT_STATUS, EQUIPMENT_STATUS[status], {
      vendorId: VENDOR_3GPP,
    });
    return [sessionId, u32Avp(AVP.RESULT_CODE, RESULT.SUCCESS), sessionState, ...origin, equipment];
  }

  private encodeAnswer(
    request: Omit<DiameterMessage, "avps">,
    avps: readonly Avp[],
    extraFlags: number,
  ): Buffer {
    return encodeMessage({
      flags: (request.flags & FLAG_PROXIABLE) | extraFlags,
      commandCode: request.commandCode,
      applicationId: request.applicationId,
      hopByHop: request.hopByHop,
      endToEnd: request.endToEnd,
      avps,
    });
  }

  /** An answer carrying a protocol or permanent error, with Failed-AVP where one is known. */
  private errorAnswer(
    request: DiameterMessage,
    resultCode: number,
    text: string,
    failed?: Avp,
  ): Buffer {
    const sessionId = findAvp(request.avps, AVP.SESSION_ID);
    const avps: Avp[] = [
      ...(sessionId ? [sessionId] : []),
      u32Avp(AVP.RESULT_CODE, resultCode),
      utf8Avp(AVP.ORIGIN_HOST, this.deps.originHost),
      utf8Avp(AVP.ORIGIN_REALM, this.deps.originRealm),
      utf8Avp(AVP.ERROR_MESSAGE, text.slice(0, 200), { mandatory: false }),
      ...(failed ? [groupedAvp(AVP.FAILED_AVP, [failed])] : []),
    ];
    // 3xxx are protocol errors: their answers carry the E bit (RFC 6733 §7.1.3).
    const protocolError = resultCode >= 3000 && resultCode < 4000;
    return this.encodeAnswer(request, avps, protocolError ? FLAG_ERROR : 0);
  }
}

/**
 * The result the catalogue gives a refusal: an Experimental-Result (RFC 6733 §7.6) for a vendor's
 * code, else a Result-Code; DIAMETER_UNABLE_TO_COMPLY for a code S13 has no result for.
 */
function resultAvp(code: ErrorCode): Avp {
  const spec: ErrorSpec = ERRORS[code];
  const result = spec.diameter ?? { resultCode: RESULT.UNABLE_TO_COMPLY };
  if (result.vendorId === undefined) return u32Avp(AVP.RESULT_CODE, result.resultCode);
  return groupedAvp(AVP.EXPERIMENTAL_RESULT, [
    u32Avp(AVP.VENDOR_ID, result.vendorId),
    u32Avp(AVP.EXPERIMENTAL_RESULT_CODE, result.resultCode),
  ]);
}

/** The request's Origin-Host and Origin-Realm, as far as it has them. */
function originOf(request: DiameterMessage): [string | undefined, string | undefined] {
  const host = findAvp(request.avps, AVP.ORIGIN_HOST);
  const realm = findAvp(request.avps, AVP.ORIGIN_REALM);
  return [host ? avpUtf8(host) : undefined, realm ? avpUtf8(realm) : undefined];
}

/** A missing AVP: Failed-AVP holds an example of it with empty data (RFC 6733 §7.5). */
function missing(code: number, vendorId?: number): DiameterDecodeError {
  const example: Avp = {
    code,
    mandatory: true,
    data: new Uint8Array(),
    ...(vendorId === undefined ? {} : { vendorId }),
  };
  return new DiameterDecodeError(RESULT.MISSING_AVP, `AVP ${code} is missing`, example);
}
