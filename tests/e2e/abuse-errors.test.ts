/**
 * Abuse: every error has the documented body. Router errors, path traversal under /docs,
 * oversized ids, bad percent-encodings and the usual 4xx answer {error: {code, message}} with a
 * catalogue code whose HTTP status is the one sent, never 500, and repeat at most a short,
 * escaped excerpt of what was sent. Raw requests on a real socket, so that nothing normalises
 * the path on the way; none of them adds a block or grows the store.
 */
import * as assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { toBase64Url } from "../../src/core/encoding/bytes.js";
import { canonicalBytes } from "../../src/core/encoding/canonical-json.js";
import { ERRORS, isErrorCode } from "../../src/core/errors/catalogue.js";
import { EXCERPT_MAX } from "../../src/servers/rest/input-excerpt.js";
import { assertUnharmed, fingerprint } from "../support/abuse.js";
import { TEST_CHAIN, testSigner } from "../support/signers.js";
import { type E2eNode, startE2eNode } from "./e2e-node.js";

interface RawReply {
  readonly status: number;
  readonly body: string;
}

/** Send bytes as they are and read the answer until the server closes (bounded in time). */
function raw(url: string, request: string): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed connection may be dropped before a slow answer.
    const socket = connect(Number(port), hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error("no answer within 10 s")), 10_000);
    socket.on("data", (c: Buffer) => chunks.push(c));
    // A server that answers before reading a large body may reset the connection after the
    // answer: that is an error only if no answer came.
    let failure: Error | undefined;
    socket.on("error", (e) => {
      failure = e;
    });
    socket.on("close", () => {
      clearTimeout(timer);
      if (chunks.length === 0 && failure) {
        reject(failure);
        return;
      }
      const text = Buffer.concat(chunks).toString("utf8");
      const head = text.slice(0, text.indexOf("\r\n\r\n"));
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        body: text.slice(head.length + 4),
      });
    });
  });
}

const get = (url: string, path: string) =>
  raw(url, `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);

const send = (url: string, method: string, path: string, type: string, body: string) =>
  raw(
    url,
    `${method} ${path} HTTP/1.1\r\nHost: test\r\nContent-Type: ${type}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );

/**
 * The reply is the documented error: only {error: {code, message}}, a catalogue code whose
 * status was sent, and a short message without control characters that repeats no more than
 * an excerpt of `input` (none of its characters past the first EXCERPT_MAX).
 */
function assertDocumented(r: RawReply, expected: string, input = ""): void {
  assert.notEqual(r.status, 500, r.body);
  let parsed: { error?: { code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(r.body);
  } catch {
    assert.fail(`not JSON: ${r.body.slice(0, 200)}`);
  }
  assert.deepEqual(Object.keys(parsed), ["error"], r.body.slice(0, 200));
  const { code, message } = parsed.error ?? {};
  assert.ok(typeof code === "string" && isErrorCode(code), `not a catalogue code: ${code}`);
  assert.equal(code, expected, r.body.slice(0, 200));
  assert.equal(r.status, ERRORS[code].http);
  assert.equal(typeof message, "string");
  const text = message as string;
  assert.doesNotMatch(text, /\p{Cc}/u, "a control character in the message");
  assert.ok(text.length <= 512, `a message of ${text.length} characters`);
  if (input.length > EXCERPT_MAX) {
    assert.ok(!text.includes(input.slice(0, EXCERPT_MAX + 1)), "more than an excerpt repeated");
  }
}

describe("abuse: error bodies", { timeout: 60_000 }, () => {
  let n: E2eNode;
  before(async () => {
    n = await startE2eNode();
  });
  after(async () => {
    await n?.stop();
  });

  test("traversal under /docs/static is 404, never 500, however it is spelled", async () => {
    const before = await fingerprint(n);
    for (const path of [
      "/docs/static/../../../etc/passwd",
      "/docs/static/../index.html",
      "/docs/static/%2e%2e/%2e%2e/package.json",
      "/docs/static/%2E%2E%2F%2E%2E%2Fpackage.json",
      "/docs/static/..%2f..%2fpackage.json",
      "/docs/static/..%5c..%5cpackage.json",
      "/docs/static/theme/../../../package.json",
      "/docs/..",
    ]) {
      const r = await get(n.url, path);
      assert.equal(r.status, 404, `${path}: ${r.body.slice(0, 200)}`);
      assertDocumented(r, "NOT_FOUND", path);
    }
    // What is there is still served.
    assert.equal((await get(n.url, "/docs/static/index.css")).status, 200);
    assertUnharmed(before, await fingerprint(n));
  });

  test("router errors: bad percent-encodings and oversized ids answer coded, with an excerpt", async () => {
    const before = await fingerprint(n);
    const long = "9".repeat(5_000);
    const cases: [string, string][] = [
      ["/v1/devices/%zz", "REQUEST_BAD_URL"],
      ["/v1/devices/%E0%A4%A", "REQUEST_BAD_URL"],
      ["/v1/devices/%C0%AF", "REQUEST_BAD_URL"],
      ["/docs/static/%zz", "REQUEST_BAD_URL"],
      [`/nowhere/%zz${long}`, "REQUEST_BAD_URL"],
      [`/v1/devices/${long}`, "REQUEST_URI_TOO_LONG"],
      [`/v1/devices/${long}/history`, "REQUEST_URI_TOO_LONG"],
      [`/v1/txs/${"a".repeat(5_000)}`, "REQUEST_URI_TOO_LONG"],
      [`/v1/members/${"m".repeat(5_000)}`, "REQUEST_URI_TOO_LONG"],
      [`/nowhere/${long}`, "NOT_FOUND"],
      ["/nowhere/%1b%5b31m%0d%0aX-Injected:%20yes", "NOT_FOUND"],
      ["/v1/blocks/not-a-height", "REQUEST_BAD_PARAMS"],
      ["/v1/devices/%00%0a", "IDENTIFIER_UNRECOGNISED"],
    ];
    for (const [path, code] of cases) {
      const r = await get(n.url, path);
      assertDocumented(r, code, path);
    }
    // Another method on a known path is an unknown route.
    const put = await send(n.url, "PUT", "/v1/txs", "application/json", "{}");
    assertDocumented(put, "NOT_FOUND");
    assertUnharmed(before, await fingerprint(n));
  });

  test("bodies: wrong type, bad JSON, too large, failing the schema, a long bad value", async () => {
    const before = await fingerprint(n);
    const junk = `{"body": "${"x".repeat(5_000)}`;
    assertDocumented(
      await send(n.url, "POST", "/v1/txs", "text/plain", "hello"),
      "REQUEST_UNSUPPORTED_MEDIA_TYPE",
    );
    assertDocumented(
      await send(n.url, "POST", "/v1/txs", "application/json", junk),
      "REQUEST_MALFORMED_JSON",
      junk,
    );
    assertDocumented(
      await send(n.url, "POST", "/v1/txs", "application/json", `"${"y".repeat(3_000_000)}"`),
      "REQUEST_TOO_LARGE",
    );
    assertDocumented(
      await send(n.url, "POST", "/v1/webhooks", "application/json", "{}"),
      "REQUEST_BAD_PARAMS",
    );
    // A signed webhook request naming a 5,000-character event: refused, with an excerpt of it.
    const regulator = testSigner("regulator");
    const event = `\u001b[31m${"e".repeat(5_000)}`;
    const request = {
      chain: TEST_CHAIN,
      key: regulator.keyId,
      time: Date.now(),
      url: "https://hooks.invalid/",
      events: [event],
    };
    const body = JSON.stringify({
      request,
      sig: toBase64Url(regulator.sign(canonicalBytes(request))),
    });
    const r = await send(n.url, "POST", "/v1/webhooks", "application/json", body);
    assertDocumented(r, "REQUEST_BAD_PARAMS", event);
    assertUnharmed(before, await fingerprint(n));
  });

  test("what Node's HTTP parser refuses answers the documented body too", async () => {
    const before = await fingerprint(n);
    assertDocumented(await raw(n.url, "GARBAGE\r\n\r\n"), "REQUEST_NOT_HTTP");
    assertDocumented(
      await raw(n.url, "GET / HTTP/1.1\r\nHost: test\r\nBad Header: x\r\n\r\n"),
      "REQUEST_NOT_HTTP",
    );
    const big = `GET /healthz HTTP/1.1\r\nHost: test\r\nX-Pad: ${"p".repeat(20_000)}\r\n\r\n`;
    assertDocumented(await raw(n.url, big), "REQUEST_HEADERS_TOO_LARGE", big);
    const longUrl = `GET /v1/devices?after=${"q".repeat(20_000)} HTTP/1.1\r\nHost: test\r\n\r\n`;
    assertDocumented(await raw(n.url, longUrl), "REQUEST_HEADERS_TOO_LARGE", longUrl);
    assertUnharmed(before, await fingerprint(n));
  });
});
