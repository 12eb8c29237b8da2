import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  STAND_IN_ATTRIBUTION,
  standInRoutes,
  TINY_ACCESS,
} from "../../../tests/support/access-routes.js";
import { codeOf, type HttpApp, startHttpApp } from "../../../tests/support/http-app.js";
import { monthOf } from "../../core/usage/usage-month.js";
import type { AccessBook } from "./access-book.js";
import { callHash, RETRY_WINDOW_MS } from "./access-plugin.js";

const start = (): Promise<HttpApp> => startHttpApp({ access: TINY_ACCESS, routes: standInRoutes });
const bearer = (key: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${key}`,
  ...extra,
});
const keyIdOf = (key: string): string => key.slice(0, 20);

describe("access plugin (inject, over a stand-in route)", () => {
  test("without a key: 401 where the route needs one, the public tier where it allows it", async () => {
    const h = await start();
    try {
      const r = await h.request("/test/proof/1");
      assert.equal(r.status, 401);
      assert.equal(codeOf(r), "ACCESS_KEY_REQUIRED");
      const pub = await h.request("/test/check/1");
      assert.equal(pub.status, 200);
      assert.equal(pub.body.accessor, "public");
      assert.equal(pub.headers["x-request-id"], undefined, "the public tier is not metered");
    } finally {
      await h.close();
    }
  });

  test("a malformed, unknown or forged key is ACCESS_KEY_INVALID; a wrong scope 403", async () => {
    const h = await start();
    try {
      const key = h.apiKey({ plan: "tiny", scopes: ["check"] });
      for (const bad of [
        "nonsense",
        // The secret's last character changed (to another one a 256-bit secret can end with).
        `${key.slice(0, -1)}${key.endsWith("A") ? "Q" : "A"}`,
        `dck_0000000000000000_${"A".repeat(43)}`,
      ]) {
        const r = await h.request("/test/check/1", { headers: bearer(bad) });
        assert.equal(codeOf(r), "ACCESS_KEY_INVALID", bad);
        assert.equal(r.status, 401);
      }
      const viaHeader = await h.request("/test/check/1", { headers: { "x-api-key": key } });
      assert.equal(viaHeader.status, 200);
      assert.equal(viaHeader.body.accessor, "key");
      const r = await h.request("/test/proof/1", { headers: bearer(key) });
      assert.equal(r.status, 403);
      assert.equal(codeOf(r), "ACCESS_SCOPE_FORBIDDEN");
    } finally {
      await h.close();
    }
  });

  test("over the plan's rate: 429 ACCESS_RATE_LIMITED with Retry-After and RateLimit headers", async () => {
    const h = await start();
    try {
      const key = h.apiKey({ plan: "tiny", scopes: ["proof"] });
      const first = await h.request("/test/proof/1", { headers: bearer(key) });
      assert.equal(first.status, 200);
      assert.equal(first.headers["ratelimit-limit"], "2");
      assert.equal(first.headers["ratelimit-remaining"], "1");
      await h.request("/test/proof/1", { headers: bearer(key) });
      const over = await h.request("/test/proof/1", { headers: bearer(key) });
      assert.equal(over.status, 429);
      assert.equal(codeOf(over), "ACCESS_RATE_LIMITED");
      const retry = Number(over.headers["retry-after"]);
      assert.ok(retry >= 1 && retry <= 60, String(over.headers["retry-after"]));
      assert.equal(over.headers["ratelimit-remaining"], "0");
      assert.ok(Number(over.headers["ratelimit-reset"]) >= 1);
    } finally {
      await h.close();
    }
  });

  test("over the monthly quota: 402 ACCESS_QUOTA_EXCEEDED, and only 2xx answers count", async () => {
    const h = await start();
    try {
      const key = h.apiKey({ plan: "tiny", scopes: ["check"] });
      const refused = await h.request("/test/check/1?fail=1", { headers: bearer(key) });
      assert.equal(refused.status, 400);
      for (let i = 0; i < 3; i++) {
        assert.equal((await h.request(`/test/check/${i}`, { headers: bearer(key) })).status, 200);
      }
      const r = await h.request("/test/check/9", { headers: bearer(key) });
      assert.equal(r.status, 402);
      assert.equal(codeOf(r), "ACCESS_QUOTA_EXCEEDED");
      assert.equal((r.body.error as { data: { quota: number } }).data.quota, 3);
      const month = monthOf(Date.now());
      assert.equal(h.access.used(keyIdOf(key), "check", month), 3, "the 400 was not billed");
      assert.equal([...h.access.records(month)].length, 3);
    } finally {
      await h.close();
    }
  });

  test("the same call again under its Idempotency-Key is a retry: answered, billed once", async () => {
    const h = await start();
    try {
      // tiny: 3 checks a month. The retries are answered beyond it: they are not counted.
      const key = h.apiKey({ plan: "tiny", scopes: ["check"] });
      const headers = bearer(key, { "idempotency-key": "order-42" });
      for (let i = 0; i < 4; i++) {
        const r = await h.request("/test/check/1?lang=en", { headers });
        assert.equal(r.status, 200, `call ${i}`);
        assert.equal(r.headers["x-request-id"], "order-42");
        assert.equal(r.body.verdict, "passed");
      }
      const month = monthOf(Date.now());
      assert.equal(h.access.used(keyIdOf(key), "check", month), 1);
      const records = [...h.access.records(month)];
      assert.equal(records.length, 1);
      assert.equal(records[0]?.call, callHash("GET", "/test/check/1?lang=en"));
      assert.ok(!JSON.stringify(records[0]).includes("/test/check/1"), "the URL is not stored");
      assert.deepEqual(records[0]?.attribution, [...STAND_IN_ATTRIBUTION]);
      assert.equal(records[0]?.price, 7);
      assert.equal(records[0]?.currency, "EUR");
      assert.equal(records[0]?.route, "/test/check/:id");
      const bad = await h.request("/test/check/1", {
        headers: bearer(key, { "x-request-id": "a b" }),
      });
      assert.equal(codeOf(bad), "ACCESS_REQUEST_ID_INVALID");
    } finally {
      await h.close();
    }
  });

  test("an id reused for another URL, query or body: 409 before the handler, nothing stored", async () => {
    let handled = 0;
    const access = { scope: "check", billable: true } as const;
    const h = await startHttpApp({
      access: TINY_ACCESS,
      // Routes of the test's own that count their handlers' runs.
      routes: (f) => {
        f.get("/test/counted/:id", { config: { access } }, async () => {
          handled++;
          return { ok: true };
        });
        f.post("/test/counted", { config: { access } }, async () => {
          handled++;
          return { ok: true };
        });
      },
    });
    try {
      const key = h.apiKey({ plan: "roomy", scopes: ["check"] });
      const headers = bearer(key, { "x-request-id": "same-id" });
      assert.equal((await h.request("/test/counted/1", { headers })).status, 200);
      assert.equal(handled, 1);
      for (const url of ["/test/counted/2", "/test/counted/1?x=1", "/test/counted/1?x=2"]) {
        const r = await h.request(url, { headers });
        assert.equal(r.status, 409, url);
        assert.equal(codeOf(r), "ACCESS_REQUEST_ID_REUSED", url);
      }
      assert.equal(handled, 1, "no handler ran for a reused id");
      // A body is part of the call: the same id and URL with another body is a reuse too.
      const post = (body: unknown) =>
        h.request("/test/counted", {
          method: "POST",
          body: JSON.stringify(body),
          headers: bearer(key, { "x-request-id": "post-id", "content-type": "application/json" }),
        });
      assert.equal((await post({ ids: ["a"] })).status, 200);
      assert.equal((await post({ ids: ["a"] })).status, 200, "the same body: a retry");
      const other = await post({ ids: ["b"] });
      assert.equal(other.status, 409);
      assert.equal(codeOf(other), "ACCESS_REQUEST_ID_REUSED");
      assert.equal(handled, 3, "the first POST and its retry ran, the reuse did not");
      const month = monthOf(Date.now());
      assert.equal([...h.access.records(month)].length, 2, "one GET and one POST billed");
      assert.equal(h.access.used(keyIdOf(key), "check", month), 2);
      // Another key's ids are its own.
      const otherKey = h.apiKey({ plan: "roomy", scopes: ["check"] });
      const r = await h.request("/test/counted/2", {
        headers: bearer(otherKey, { "x-request-id": "same-id" }),
      });
      assert.equal(r.status, 200);
    } finally {
      await h.close();
    }
  });

  test("the same call under an id first used 24 hours ago or more is refused", async () => {
    const h = await start();
    try {
      const key = h.apiKey({ plan: "roomy", scopes: ["check"] });
      const keyId = keyIdOf(key);
      const seed = (requestId: string, ageMs: number) =>
        h.access.meter({
          requestId,
          time: Date.now() - ageMs,
          org: "test-org",
          keyId,
          plan: "roomy",
          scope: "check",
          route: "/test/check/:id",
          status: 200,
          price: 10,
          currency: "USD",
          call: callHash("GET", "/test/check/1"),
          attribution: [],
        });
      await seed("day-old", RETRY_WINDOW_MS + 1_000);
      await seed("recent", RETRY_WINDOW_MS - 60_000);
      const month = monthOf(Date.now());
      const before = h.access.used(keyId, "check", month);
      const stored = [...h.access.records(month)].length;
      const old = await h.request("/test/check/1", {
        headers: bearer(key, { "idempotency-key": "day-old" }),
      });
      assert.equal(old.status, 409);
      assert.equal(codeOf(old), "ACCESS_REQUEST_ID_REUSED");
      const recent = await h.request("/test/check/1", {
        headers: bearer(key, { "idempotency-key": "recent" }),
      });
      assert.equal(recent.status, 200, "23 hours later it is still a retry");
      assert.equal(h.access.used(keyId, "check", month), before, "neither was billed");
      assert.equal([...h.access.records(month)].length, stored, "nothing was stored");
    } finally {
      await h.close();
    }
  });

  test("without a client id every call is billed, under an id the node made", async () => {
    const h = await start();
    try {
      const key = h.apiKey({ plan: "roomy", scopes: ["check"] });
      const ids = new Set<unknown>();
      for (let i = 0; i < 3; i++) {
        const r = await h.request("/test/check/1", { headers: bearer(key) });
        assert.equal(r.status, 200);
        ids.add(r.headers["x-request-id"]);
      }
      assert.equal(ids.size, 3);
      assert.equal(h.access.used(keyIdOf(key), "check", monthOf(Date.now())), 3);
    } finally {
      await h.close();
    }
  });

  test("the public tier is limited per address", async () => {
    const h = await start();
    try {
      const ask = (remoteAddress: string) =>
        h.fastify.inject({ method: "GET", url: "/test/check/1", remoteAddress });
      for (let i = 0; i < 3; i++) assert.equal((await ask("192.0.2.1")).statusCode, 200);
      const over = await ask("192.0.2.1");
      assert.equal(over.statusCode, 429);
      assert.equal(JSON.parse(over.body).error.code, "ACCESS_RATE_LIMITED");
      assert.equal((await ask("192.0.2.2")).statusCode, 200, "another address has its own limit");
    } finally {
      await h.close();
    }
  });
});

describe("a failure to meter withholds the answer", () => {
  test("503 ACCESS_METERING_FAILED, not the handler's 200", async () => {
    const { startHttpApp: startApp } = await import("../../../tests/support/http-app.js");
    // The real store for keys, with its writes failing as a full or broken disk would.
    let book: AccessBook | undefined;
    const h = await startApp({
      access: TINY_ACCESS,
      routes: standInRoutes,
      book: (real) => {
        book = {
          key: (id) => real.key(id),
          used: (id, scope, month) => real.used(id, scope, month),
          firstUse: (id, requestId, time) => real.firstUse(id, requestId, time),
          meter: () => Promise.reject(new Error("disk full")),
        };
        return book;
      },
    });
    try {
      const key = h.apiKey({ plan: "roomy", scopes: ["check"] });
      const r = await h.request("/test/check/1", { headers: bearer(key) });
      assert.equal(r.status, 503);
      assert.equal(codeOf(r), "ACCESS_METERING_FAILED");
      assert.ok(!r.text.includes("passed"), "the answer did not leave");
    } finally {
      await h.close();
    }
  });
});
