/**
 * An MME's ME-Identity-Check (TS 29.272 §5.3.2, command 324 on S13) as a test peer sends it: one
 * request over a fresh Diameter connection on loopback, with the IMEI and, optionally, the
 * subscriber's IMSI as User-Name. The Origin-Realm names the asking network, which the node
 * records as the observation's network (an EPC realm carries the PLMN's MCC and MNC).
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
  avpU32,
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
  readonly timeoutMs?: number;
}

let hop = 1;

/** The Equipment-Status the EIR answered, or undefined when it answered without one (unknown). */
export async function s13Check(o: S13CheckOptions): Promise<number | undefined> {
  const realm = o.originRealm ?? "clone.test";
  const host = `mme.${realm}`;
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
  const request = encodeMessage({
    flags: FLAG_REQUEST | FLAG_PROXIABLE,
    commandCode: COMMAND.ME_IDENTITY_CHECK,
    applicationId: S13_APPLICATION_ID,
    hopByHop: id,
    endToEnd: id,
    avps,
  });
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
