/**
 * An MME's ME-Identity-Check (TS 29.272 §5.3.2, command 324 on S13) as a test peer sends it: one
 * request over a fresh Diameter connection on loopback, with the IMEI and, optionally, the
 * subscriber's IMSI as User-Name. The Origin-Realm names the asking network, which the node
 * records as the observation's network (an EPC realm carries the PLMN's MCC and MNC). With
 * `cer`, the connection starts with a CER as a real peer's does, which a node with diameterPeers
 * requires before it answers anything.
 */
import { connect } from "node:net";
import {
  AVP,
  COMMAND,
  S13_APPLICATION_ID,
  VENDOR_3GPP,
} from "../../src/servers/s13/diameter-avps.js";
import {
  type Avp,
  addressAvp,
  avpU32,
  type DiameterMessage,
  decodeMessage,
  encodeMessage,
  FLAG_PROXIABLE,
  FLAG_REQUEST,
  findAvp,
  groupedAvp,
  messageLength,
  u32Avp,
  utf8Avp,
} from "../../src/servers/s13/diameter-message.js";

export interface S13CheckOptions {
  readonly port: number;
  /** The IMEI's 14 digits (TAC and SNR), as an MME sends them. */
  readonly imei: string;
  /** The IMSI, sent as User-Name; none when undefined. */
  readonly imsi?: string;
  /** The MME's realm, e.g. epc.mnc001.mcc001.3gppnetwork.org. */
  readonly originRealm?: string;
  /** The MME's Origin-Host; mme.<realm> by default. */
  readonly originHost?: string;
  /** Send a CER first, on the same connection (RFC 6733 §5.3). */
  readonly cer?: boolean;
  readonly timeoutMs?: number;
}

let hop = 1;

/** A CER (RFC 6733 §5.3.1) from an MME offering S13. */
export function capabilitiesExchangeRequest(host: string, realm: string): Buffer {
  const id = hop++;
  return encodeMessage({
    flags: FLAG_REQUEST,
    commandCode: COMMAND.CAPABILITIES_EXCHANGE,
    applicationId: 0,
    hopByHop: id,
    endToEnd: id,
    avps: [
      utf8Avp(AVP.ORIGIN_HOST, host),
      utf8Avp(AVP.ORIGIN_REALM, realm),
      addressAvp(AVP.HOST_IP_ADDRESS, "127.0.0.1"),
      u32Avp(AVP.VENDOR_ID, VENDOR_3GPP),
      utf8Avp(AVP.PRODUCT_NAME, "test-mme", { mandatory: false }),
      u32Avp(AVP.SUPPORTED_VENDOR_ID, VENDOR_3GPP),
      groupedAvp(AVP.VENDOR_SPECIFIC_APPLICATION_ID, [
        u32Avp(AVP.VENDOR_ID, VENDOR_3GPP),
        u32Avp(AVP.AUTH_APPLICATION_ID, S13_APPLICATION_ID),
      ]),
    ],
  });
}

/**
 * Send requests over one fresh connection, one at a time, and collect an answer to each until
 * the node closes the connection; `closed` says whether it did, within `lingerMs` of the last
 * answer.
 */
export async function diameterExchange(
  port: number,
  requests: readonly Buffer[],
  { timeoutMs = 5_000, lingerMs = 200 }: { timeoutMs?: number; lingerMs?: number } = {},
): Promise<{ answers: DiameterMessage[]; closed: boolean }> {
  const socket = connect(port, "127.0.0.1");
  const answers: DiameterMessage[] = [];
  let closed = false;
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4 && buffer.length >= messageLength(buffer)) {
      answers.push(decodeMessage(buffer.subarray(0, messageLength(buffer))));
      buffer = buffer.subarray(messageLength(buffer));
    }
    wake?.();
  });
  socket.on("close", () => {
    closed = true;
    wake?.();
  });
  socket.on("error", () => undefined);
  try {
    for (const [i, request] of requests.entries()) {
      if (closed) break;
      socket.write(request);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no Diameter answer in ${timeoutMs} ms`)),
          timeoutMs,
        );
        wake = () => {
          if (answers.length > i || closed) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    }
    // A refusal closes the connection right after its answer: give the FIN a moment to arrive.
    if (!closed && lingerMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, lingerMs);
        wake = () => {
          if (closed) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
    }
    return { answers, closed };
  } finally {
    socket.destroy();
  }
}

/** The Result-Code of an answer, if it has one. */
export function resultCodeOf(m: DiameterMessage | undefined): number | undefined {
  const avp = m === undefined ? undefined : findAvp(m.avps, AVP.RESULT_CODE);
  return avp ? avpU32(avp) : undefined;
}

/** The ECR an MME sends (TS 29.272 §5.3.2.1). */
export function identityCheckRequest(o: S13CheckOptions): Buffer {
  const realm = o.originRealm ?? "clone.test";
  const host = o.originHost ?? `mme.${realm}`;
  const id = hop++;
  const avps: Avp[] = [
    utf8Avp(AVP.SESSION_ID, `${host};${id}`),
    u32Avp(AVP.AUTH_SESSION_STATE, 1),
    utf8Avp(AVP.ORIGIN_HOST, host),
    utf8Avp(AVP.ORIGIN_REALM, realm),
    utf8Avp(AVP.DESTINATION_REALM, "devicechain.localdomain"),
    groupedAvp(AVP.TERMINAL_INFORMATION, [utf8Avp(AVP.IMEI, o.imei, { vendorId: VENDOR_3GPP })], {
      vendorId: VENDOR_3GPP,
    }),
    ...(o.imsi === undefined ? [] : [utf8Avp(AVP.USER_NAME, o.imsi)]),
  ];
  return encodeMessage({
    flags: FLAG_REQUEST | FLAG_PROXIABLE,
    commandCode: COMMAND.ME_IDENTITY_CHECK,
    applicationId: S13_APPLICATION_ID,
    hopByHop: id,
    endToEnd: id,
    avps,
  });
}

/**
 * The Equipment-Status the EIR answered, or undefined when it answered without one (unknown).
 * A refused CER or ECR is an error naming its Result-Code.
 */
export async function s13Check(o: S13CheckOptions): Promise<number | undefined> {
  if (o.cer) {
    const realm = o.originRealm ?? "clone.test";
    const host = o.originHost ?? `mme.${realm}`;
    const { answers } = await diameterExchange(
      o.port,
      [capabilitiesExchangeRequest(host, realm), identityCheckRequest(o)],
      { ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }), lingerMs: 0 },
    );
    const [cea, eca] = answers;
    if (resultCodeOf(cea) !== 2001) throw new Error(`CER refused: ${resultCodeOf(cea)}`);
    if (!eca) throw new Error("no ECA after the CEA");
    const status = findAvp(eca.avps, AVP.EQUIPMENT_STATUS, VENDOR_3GPP);
    return status ? avpU32(status) : undefined;
  }
  const request = identityCheckRequest(o);
  const timeoutMs = o.timeoutMs ?? 5_000;
  const socket = connect(o.port, "127.0.0.1");
  try {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      let buffer = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error(`no ECA in ${timeoutMs} ms`)), timeoutMs);
      socket.on("data", (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length >= 4 && buffer.length >= messageLength(buffer)) {
          clearTimeout(timer);
          resolve(buffer.subarray(0, messageLength(buffer)));
        }
      });
      socket.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.write(request);
    });
    const eca = decodeMessage(answer);
    const status = findAvp(eca.avps, AVP.EQUIPMENT_STATUS, VENDOR_3GPP);
    return status ? avpU32(status) : undefined;
  } finally {
    socket.destroy();
  }
}
