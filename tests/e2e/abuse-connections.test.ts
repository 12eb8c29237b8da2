/**
 * Abuse: every connection has a deadline. Peers that hold connections without making progress
 * (silence, a half-sent h2c preface, a slowloris, a request body that never ends, an idle
 * keep-alive, too many streams or connections, a silent or dead Diameter peer, a Diameter header
 * of another version) are closed by the node's connection policy, counted on /metrics, and leave
 * the ledger as it was. Real sockets on loopback; the node runs with short deadlines.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as connectHttp2, constants as http2Constants } from "node:http2";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { loadNodeConfig } from "../../src/node/node-config.js";
import { ACCT_STATUS } from "../../src/servers/radius/radius-packet.js";
import { AVP, COMMAND } from "../../src/servers/s13/diameter-avps.js";
import { avpU32, FLAG_REQUEST, findAvp, RESULT } from "../../src/servers/s13/diameter-message.js";
import { assertUnharmed, fingerprint, type LedgerFingerprint } from "../support/abuse.js";
import { DiameterPeer } from "../support/diameter-peer.js";
import { type E2eNode, startE2eNode } from "./e2e-node.js";
import { NasSimulator } from "./radius-nas.js";

const FIRST_BYTE_MS = 400;
const HEADERS_MS = 400;
const REQUEST_MS = 1_000;
const IDLE_MS = 600;
const WATCHDOG_MS = 400;
const PER_ADDRESS = 16;

interface RawConnection {
  readonly socket: Socket;
  /** performance.now() when the node closed it. */
  readonly closed: Promise<number>;
  /** Everything the node sent, so far. */
  received(): string;
}

async function raw(port: number): Promise<RawConnection> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => socket.destroy());
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => resolve(performance.now())),
  );
  return { socket, closed, received: () => Buffer.concat(chunks).toString("latin1") };
}

/** Fails unless `p` settles within `ms`. */
async function within<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return res.text();
}

/** devicechain_connections_closed_total for one protocol and reason (0 before the first). */
async function closedCount(url: string, protocol: string, reason: string): Promise<number> {
  const line = (await metricsText(url))
    .split("\n")
    .find(
      (l) =>
        l.startsWith("devicechain_connections_closed_total{") &&
        l.includes(`protocol="${protocol}"`) &&
        l.includes(`reason="${reason}"`),
    );
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

/** Wait until the counter has grown by `by` since `from`. */
async function counted(
  url: string,
  protocol: string,
  reason: string,
  from: number,
  by = 1,
): Promise<void> {
  const deadline = performance.now() + 3_000;
  let now = await closedCount(url, protocol, reason);
  while (now < from + by && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    now = await closedCount(url, protocol, reason);
  }
  assert.equal(now, from + by, `devicechain_connections_closed_total{${protocol},${reason}}`);
}

describe("abuse: every connection has a deadline", () => {
  let n: E2eNode;
  let apiPort: number;
  let s13Port: number;
  let start: LedgerFingerprint;

  before(async () => {
    n = await startE2eNode({
      firstByteTimeoutMs: FIRST_BYTE_MS,
      headersTimeoutMs: HEADERS_MS,
      requestTimeoutMs: REQUEST_MS,
      idleTimeoutMs: IDLE_MS,
      maxConnectionsPerAddress: PER_ADDRESS,
      diameterWatchdogMs: WATCHDOG_MS,
    });
    apiPort = Number(new URL(n.url).port);
    s13Port = n.node.s13Port ?? 0;
    start = await fingerprint(n);
  });
  after(async () => {
    await n?.stop();
  });

  test("a connection to the API port that sends nothing is closed at the first-byte deadline", async () => {
    const from = await closedCount(n.url, "http", "first_byte");
    const t0 = performance.now();
    const c = await raw(apiPort);
    const elapsed = (await within("silent connection closed", c.closed, 5_000)) - t0;
    assert.ok(elapsed >= FIRST_BYTE_MS - 50, `closed after ${elapsed} ms, before its deadline`);
    await counted(n.url, "http", "first_byte", from);
  });

  test("a half-sent HTTP/2 preface is closed at the first-byte deadline", async () => {
    const from = await closedCount(n.url, "http", "preface");
    const c = await raw(apiPort);
    const t0 = performance.now();
    c.socket.write("PRI * HTTP/2.0\r\n"); // RFC 9113 §3.4: 24 octets, then SETTINGS; 16 sent
    const elapsed = (await within("half preface closed", c.closed, 5_000)) - t0;
    assert.ok(elapsed < FIRST_BYTE_MS + 500, `closed after ${elapsed} ms`);
    await counted(n.url, "http", "preface", from);
  });

  test("HTTP/1.1 slowloris: header lines trickled every 100 ms are cut off at the header deadline", async () => {
    const from = await closedCount(n.url, "http", "header");
    const c = await raw(apiPort);
    const t0 = performance.now();
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    let line = 0;
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(`X-Slow-${line++}: 1\r\n`);
    }, 100);
    try {
      const elapsed = (await within("slowloris closed", c.closed, 5_000)) - t0;
      assert.ok(elapsed < HEADERS_MS + 1_000, `closed after ${elapsed} ms`);
    } finally {
      clearInterval(trickle);
    }
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
    assert.match(c.received(), /\{"error":\{"code":"REQUEST_TIMEOUT"/, "the documented body");
    await counted(n.url, "http", "header", from);
  });

  test("HTTP/1.1: a request body that never ends is cut off at the request deadline", async () => {
    const from = await closedCount(n.url, "http", "request");
    const c = await raw(apiPort);
    const t0 = performance.now();
    c.socket.write(
      "POST /v1/txs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    const elapsed = (await within("slow body closed", c.closed, 5_000)) - t0;
    assert.ok(elapsed >= REQUEST_MS - 100 && elapsed < REQUEST_MS + 1_000, `after ${elapsed} ms`);
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
    assert.match(c.received(), /\{"error":\{"code":"REQUEST_TIMEOUT"/, "the documented body");
    await counted(n.url, "http", "request", from);
  });

  test("HTTP/1.1: an idle keep-alive connection is closed after the idle deadline", async () => {
    const from = await closedCount(n.url, "http", "idle");
    const c = await raw(apiPort);
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await within(
      "a response",
      (async () => {
        while (!c.received().includes("\r\n\r\n")) await new Promise((r) => setTimeout(r, 10));
      })(),
      5_000,
    );
    assert.match(c.received(), /^HTTP\/1\.1 200 /);
    const t0 = performance.now();
    // Node keeps an idle connection for the keep-alive timeout plus a one-second grace.
    const elapsed = (await within("idle keep-alive closed", c.closed, 5_000)) - t0;
    assert.ok(elapsed >= IDLE_MS - 50 && elapsed < IDLE_MS + 2_000, `closed after ${elapsed} ms`);
    await counted(n.url, "http", "idle", from);
  });

  test("h2c: an idle session gets GOAWAY after the idle deadline", async () => {
    const from = await closedCount(n.url, "http", "idle");
    const session = connectHttp2(n.url);
    session.on("error", () => {});
    const closed = new Promise<number>((resolve) =>
      session.once("close", () => resolve(performance.now())),
    );
    const goaway = new Promise<void>((resolve) => session.once("goaway", () => resolve()));
    const status = await new Promise<number>((resolve, reject) => {
      const stream = session.request({ ":path": "/healthz" });
      stream.on("response", (h) => resolve(Number(h[":status"])));
      stream.on("error", reject);
      stream.resume();
    });
    assert.equal(status, 200);
    const t0 = performance.now();
    await within("GOAWAY", goaway, 5_000);
    const elapsed = (await within("idle session closed", closed, 5_000)) - t0;
    assert.ok(elapsed >= IDLE_MS - 100 && elapsed < IDLE_MS + 1_500, `closed after ${elapsed} ms`);
    await counted(n.url, "http", "idle", from);
  });

  test("h2c: 100 concurrent streams are honoured; the 50 beyond them are refused, the held ones cut at the request deadline", async () => {
    const from = await closedCount(n.url, "http", "request");
    // Told the server allows 1000, the client sends all 150 HEADERS before the server's SETTINGS
    // (which say 100) arrive, as a client that ignores SETTINGS would.
    const session = connectHttp2(n.url, { peerMaxConcurrentStreams: 1_000 });
    session.on("error", () => {});
    try {
      const settings = new Promise<number | undefined>((resolve) =>
        session.once("remoteSettings", (s) => resolve(s.maxConcurrentStreams)),
      );
      const codes = await within(
        "every stream closed",
        Promise.all(
          Array.from({ length: 150 }, () => {
            // POST bodies that never come: each stream stays open until the node ends it.
            const stream = session.request(
              { ":method": "POST", ":path": "/v1/txs", "content-type": "application/json" },
              { endStream: false },
            );
            stream.on("error", () => {});
            return new Promise<number>((resolve) =>
              stream.once("close", () => resolve(stream.rstCode)),
            );
          }),
        ),
        REQUEST_MS + 5_000,
      );
      assert.equal(await settings, 100);
      const refused = codes.filter((c) => c === http2Constants.NGHTTP2_REFUSED_STREAM).length;
      const cancelled = codes.filter((c) => c === http2Constants.NGHTTP2_CANCEL).length;
      assert.deepEqual({ refused, cancelled }, { refused: 50, cancelled: 100 });
      await counted(n.url, "http", "request", from, 100);
    } finally {
      session.destroy();
    }
  });

  test("one address may hold at most maxConnectionsPerAddress; the rest are closed at once", async () => {
    const from = await closedCount(n.url, "http", "per_address_cap");
    const t0 = performance.now();
    const held = await Promise.all(Array.from({ length: PER_ADDRESS + 4 }, () => raw(apiPort)));
    // The cap's closes come at once; the first-byte deadline closes the others later.
    const early = await Promise.all(
      held.map((c) =>
        Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(Infinity), 250))]),
      ),
    );
    const capped = early.filter((t) => t - t0 < 250).length;
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    // Fetch's pooled keep-alive connections to the node may hold a place or two as well.
    assert.ok(capped >= 4 && capped <= 6, `${capped} connections closed at once`);
    await counted(n.url, "http", "per_address_cap", from, capped);
  });

  test("S13: a peer that sends nothing (no CER) is closed at the first-byte deadline", async () => {
    const from = await closedCount(n.url, "s13", "first_byte");
    const t0 = performance.now();
    const peer = await DiameterPeer.open(s13Port);
    const elapsed = (await within("silent peer closed", peer.closed, 5_000)) - t0;
    assert.ok(elapsed >= FIRST_BYTE_MS - 50 && elapsed < FIRST_BYTE_MS + 1_000, `${elapsed} ms`);
    await counted(n.url, "s13", "first_byte", from);
  });

  test("S13: a message whose bytes stop coming is closed at the request deadline", async () => {
    const from = await closedCount(n.url, "s13", "request");
    const peer = await DiameterPeer.open(s13Port);
    // A version-1 header announcing 100 bytes, of which only these 20 come.
    const header = Buffer.alloc(20);
    header.writeUInt32BE(100);
    header[0] = 1;
    header[4] = FLAG_REQUEST;
    header.writeUIntBE(COMMAND.CAPABILITIES_EXCHANGE, 5, 3);
    const t0 = performance.now();
    peer.send(header);
    const elapsed = (await within("partial message closed", peer.closed, 5_000)) - t0;
    assert.ok(elapsed >= REQUEST_MS - 100 && elapsed < REQUEST_MS + 1_000, `${elapsed} ms`);
    await counted(n.url, "s13", "request", from);
  });

  test("S13: an idle peer gets a DWR every Tw; answered it stays, unanswered it is disconnected", async () => {
    const from = await closedCount(n.url, "s13", "watchdog");
    const peer = await DiameterPeer.open(s13Port);
    peer.capabilitiesExchange();
    const cea = await peer.next();
    assert.equal(cea.commandCode, COMMAND.CAPABILITIES_EXCHANGE);
    const t0 = performance.now();
    const dwr = await peer.next(WATCHDOG_MS * 5);
    const firstAfter = performance.now() - t0;
    assert.equal(dwr.commandCode, COMMAND.DEVICE_WATCHDOG);
    assert.equal(dwr.applicationId, 0);
    assert.ok((dwr.flags & FLAG_REQUEST) !== 0, "a DWR is a request");
    assert.ok(findAvp(dwr.avps, AVP.ORIGIN_HOST), "the DWR names its Origin-Host");
    assert.ok(firstAfter >= WATCHDOG_MS * 0.85, `the DWR came ${firstAfter} ms after the CEA`);
    peer.answer(dwr); // the DWA: the peer is alive, the next DWR comes a Tw later
    const second = await peer.next(WATCHDOG_MS * 5);
    assert.equal(second.commandCode, COMMAND.DEVICE_WATCHDOG);
    const t1 = performance.now();
    const closedAfter = (await within("dead peer disconnected", peer.closed, 5_000)) - t1;
    assert.ok(closedAfter >= WATCHDOG_MS * 0.85, `disconnected ${closedAfter} ms after the DWR`);
    await counted(n.url, "s13", "watchdog", from);
  });

  test("S13: a version-2 header gets Result-Code 5011 DIAMETER_UNSUPPORTED_VERSION, then the connection closes", async () => {
    const from = await closedCount(n.url, "s13", "unsupported_version");
    const peer = await DiameterPeer.open(s13Port);
    const header = Buffer.alloc(20);
    header.writeUInt32BE(1_000); // a length it never sends: another version's framing
    header[0] = 2;
    header[4] = FLAG_REQUEST;
    header.writeUIntBE(COMMAND.CAPABILITIES_EXCHANGE, 5, 3);
    header.writeUInt32BE(0x0a0b0c0d, 12);
    header.writeUInt32BE(0x01020304, 16);
    peer.send(header);
    const answer = await peer.next(2_000);
    const code = findAvp(answer.avps, AVP.RESULT_CODE);
    assert.equal(code ? avpU32(code) : undefined, RESULT.UNSUPPORTED_VERSION);
    assert.equal(answer.hopByHop, 0x0a0b0c0d);
    assert.equal(answer.endToEnd, 0x01020304);
    assert.equal(answer.flags & FLAG_REQUEST, 0);
    await within("closed after the 5011 answer", peer.closed, 2_000);
    await counted(n.url, "s13", "unsupported_version", from);
  });

  test("the counters and open-connection gauges are on /metrics, and the ledger is untouched", async () => {
    const peer = await DiameterPeer.open(s13Port);
    try {
      const text = await metricsText(n.url);
      assert.match(text, /^# TYPE devicechain_connections_closed_total counter$/m);
      assert.match(text, /^# TYPE devicechain_connections_open gauge$/m);
      assert.match(text, /^devicechain_connections_open\{protocol="http"\} [1-9]\d*$/m);
      assert.match(text, /^devicechain_connections_open\{protocol="s13"\} 1$/m);
    } finally {
      peer.close();
    }
    assertUnharmed(start, await fingerprint(n));
  });
});

describe("abuse: RADIUS state per source is bounded", () => {
  const SECRET = "abuse-nas-secret";
  let n: E2eNode;
  let nas: NasSimulator;
  let foreign: NasSimulator;

  before(async () => {
    n = await startE2eNode({
      s13Port: -1,
      radiusAuthPort: 0,
      radiusAcctPort: 0,
      radiusClients: [{ address: "127.0.0.1", secret: SECRET }],
      radiusMaxSessions: 2,
    });
    const radius = n.node.radius;
    assert.ok(radius?.acctPort && radius.authPort);
    const server = { authPort: radius.authPort, acctPort: radius.acctPort };
    nas = await NasSimulator.start({ secret: SECRET, server });
    // Another loopback address, with the right secret but not in radiusClients.
    foreign = await NasSimulator.start({ secret: SECRET, server, address: "127.0.0.2" });
  });
  after(async () => {
    nas?.close();
    foreign?.close();
    await n?.stop();
  });

  const metric = async (line: string): Promise<number> => {
    const found = (await metricsText(n.url)).split("\n").find((l) => l.startsWith(line));
    return found ? Number(found.slice(found.lastIndexOf(" ") + 1)) : 0;
  };

  test("a source not in radiusClients gets nothing; the session table stops at radiusMaxSessions", async () => {
    const start = await fingerprint(n);
    const unknownBefore = await metric('devicechain_radius_dropped_total{reason="unknown_client"}');
    await assert.rejects(
      foreign.accounting(ACCT_STATUS.START, "f-1", "02-00-5E-20-00-01", { timeoutMs: 300 }),
    );
    assert.equal(
      await metric('devicechain_radius_dropped_total{reason="unknown_client"}'),
      unknownBefore + 1,
    );
    for (const [i, mac] of [
      "02-00-5E-20-00-02",
      "02-00-5E-20-00-03",
      "02-00-5E-20-00-04",
    ].entries()) {
      await nas.accounting(ACCT_STATUS.START, `s-${i}`, mac);
    }
    assert.equal(n.node.radius?.server.sessionCount, 2);
    assert.equal(await metric("devicechain_radius_sessions "), 2);
    assert.equal(await metric('devicechain_radius_dropped_total{reason="session_table_full"}'), 1);
    assertUnharmed(start, await fingerprint(n));
  });
});

test("connection settings that cannot work together are a coded configuration error", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-conn-config-"));
  try {
    assert.throws(
      () => loadNodeConfig(dir, { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 }),
      (e: { code?: string; message?: string }) =>
        e.code === "CONFIG_INVALID" && /headersTimeoutMs.*requestTimeoutMs/.test(e.message ?? ""),
    );
    assert.throws(
      () => loadNodeConfig(dir, { http2MaxConcurrentStreams: 0 }),
      (e: { code?: string }) => e.code === "CONFIG_INVALID",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
