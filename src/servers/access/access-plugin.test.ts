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
        `${key.slice(0, -1)}A`,
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

  test("the same Idempotency-Key twice is metered once; the record carries the attribution", async () => {
    const h = await start();
    try {
      const key = h.apiKey({ plan: "roomy", scopes: ["check"] });
      const headers = bearer(key, { "idempotency-key": "order-42" });
      const a = await h.request("/test/check/1", { headers });
      const b = await h.request("/test/check/1", { headers });
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.equal(a.headers["x-request-id"], "order-42");
      const records = [...h.access.records(monthOf(Date.now()))];
      assert.equal(records.length, 1);
      assert.deepEqual(records[0]?.attribution, [...STAND_IN_ATTRIBUTION]);
      assert.equal(records[0]?.price, 10);
      assert.equal(records[0]?.currency, "USD");
      assert.equal(records[0]?.route, "/test/check/:id");
      const bad = await h.request("/test/check/1", {
        headers: bearer(key, { "x-request-id": "a b" }),
      });
      assert.equal(codeOf(bad), "ACCESS_REQUEST_ID_INVALID");
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
