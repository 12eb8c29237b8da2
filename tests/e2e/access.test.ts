/**
 * Paid access over real HTTP and a real LMDB access store, with the CLI as a separate process on
 * the same data directory. The guarded routes are stand-ins registered by the test
 * (tests/support/access-routes.ts) until the check and proof routes exist: they stand in for no
 * part of the system, they only give the access hooks something to guard.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { monthOf } from "../../src/core/usage/usage-month.js";
import { verifyStatement } from "../../src/core/usage/usage-statement.js";
import { AccessStore } from "../../src/node/access-store/access-store.js";
import { NODE_KEY_FILE } from "../../src/node/data-dir.js";
import { generateSeed, writeKeyFile } from "../../src/node/key-file.js";
import { standInRoutes, TINY_ACCESS } from "../support/access-routes.js";
import { cli } from "../support/cli-process.js";
import { startHttpApp } from "../support/http-app.js";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "access-crash-child.js");

async function get(url: string, headers: Record<string, string> = {}) {
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: r.status, headers: r.headers, body, text };
}
const code = (r: { body: Record<string, unknown> }) =>
  (r.body.error as { code?: string } | undefined)?.code;

describe("paid access over real HTTP, keys managed by the CLI while the server runs", () => {
  test("create by CLI, rate limit, revoke by CLI refused at once, statement and revenue", {
    timeout: 120_000,
  }, async () => {
    const h = await startHttpApp({ access: TINY_ACCESS, routes: standInRoutes });
    try {
      writeFileSync(path.join(h.dir, "config.json"), JSON.stringify({ access: TINY_ACCESS }));
      const nodeKey = writeKeyFile(path.join(h.dir, NODE_KEY_FILE), generateSeed());
      const url = await h.fastify.listen({ host: "127.0.0.1", port: 0 });
      const data = ["--data", h.dir];

      const created = await cli([
        "--json",
        "access",
        "key",
        "create",
        "--org",
        "Acme Resale",
        "--plan",
        "tiny",
        "--scopes",
        "check,proof",
        ...data,
      ]);
      assert.equal(created.code, 0, created.stderr);
      const { key, keyId } = JSON.parse(created.stdout) as { key: string; keyId: string };
      const bearer = { authorization: `Bearer ${key}` };

      // proof: 2 a minute on the tiny plan; the third is refused with the rate headers.
      assert.equal((await get(`${url}/test/proof/1`, bearer)).status, 200);
      assert.equal((await get(`${url}/test/proof/2`, bearer)).status, 200);
      const limited = await get(`${url}/test/proof/3`, bearer);
      assert.equal(limited.status, 429);
      assert.equal(code(limited), "ACCESS_RATE_LIMITED");
      assert.ok(Number(limited.headers.get("retry-after")) >= 1);
      assert.equal(limited.headers.get("ratelimit-limit"), "2");
      assert.equal(limited.headers.get("ratelimit-remaining"), "0");

      // check: quota 3 a month.
      for (let i = 0; i < 3; i++)
        assert.equal((await get(`${url}/test/check/${i}`, bearer)).status, 200);
      const quota = await get(`${url}/test/check/9`, bearer);
      assert.equal(quota.status, 402);
      assert.equal(code(quota), "ACCESS_QUOTA_EXCEEDED");

      const listed = await cli(["--json", "access", "key", "list", ...data]);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as { keyId: string }[]).map((k) => k.keyId),
        [keyId],
      );
      assert.ok(!listed.stdout.includes(key.slice(21)), "the secret is never listed");

      // Revoked by another process while the server runs: refused on the very next request.
      const second = JSON.parse(
        (
          await cli([
            "--json",
            "access",
            "key",
            "create",
            "--org",
            "Acme Resale",
            "--plan",
            "roomy",
            ...data,
          ])
        ).stdout,
      ) as { key: string; keyId: string };
      const other = { authorization: `Bearer ${second.key}` };
      assert.equal((await get(`${url}/test/check/1`, other)).status, 200);
      const revoked = await cli(["access", "key", "revoke", second.keyId, ...data]);
      assert.equal(revoked.code, 0, revoked.stderr);
      const after = await get(`${url}/test/check/1`, other);
      assert.equal(after.status, 401);
      assert.equal(code(after), "ACCESS_KEY_REVOKED");

      // The statement: 2 proofs + 3 checks (tiny, EUR) + 1 check (roomy, USD), signed by the node key.
      const month = monthOf(Date.now());
      const out = path.join(h.dir, "statement.csv");
      const st = await cli([
        "access",
        "statement",
        "--org",
        "Acme Resale",
        "--month",
        month,
        "--out",
        out,
        ...data,
      ]);
      assert.equal(st.code, 0, st.stderr);
      const csv = readFileSync(out, "utf8");
      assert.match(csv, /^day,scope,currency,calls,amount_minor\n/);
      assert.match(csv, /\ntotal,,EUR,,23\n/);
      assert.match(csv, /\ntotal,,USD,,10\n/);
      const signedFile = `${out}.signed.json`;
      const signed = verifyStatement(JSON.parse(readFileSync(signedFile, "utf8")), nodeKey.keyId);
      assert.deepEqual(signed.statement.due, [
        { currency: "EUR", amount: 23 },
        { currency: "USD", amount: 10 },
      ]);
      const ok = await cli([
        "--json",
        "access",
        "verify-statement",
        signedFile,
        "--node-key",
        nodeKey.keyId,
      ]);
      assert.equal(ok.code, 0, ok.stderr);
      const tampered = JSON.parse(readFileSync(signedFile, "utf8"));
      tampered.statement.lines[0].calls += 1;
      writeFileSync(signedFile, JSON.stringify(tampered));
      const bad = await cli(["--json", "access", "verify-statement", signedFile]);
      assert.equal(bad.code, 1);
      assert.equal(JSON.parse(bad.stderr).error.code, "STATEMENT_BAD_SIGNATURE");

      // Revenue: every billed minor unit goes to exactly one member (three per stand-in answer).
      const rev = await cli(["--json", "access", "revenue", "--month", month, ...data]);
      assert.equal(rev.code, 0, rev.stderr);
      const { members, billed } = JSON.parse(rev.stdout) as {
        members: { member: string; currency: string; amount: number }[];
        billed: { currency: string; amount: number }[];
      };
      for (const b of billed) {
        const shared = members
          .filter((m) => m.currency === b.currency)
          .reduce((a, m) => a + m.amount, 0);
        assert.equal(shared, b.amount, b.currency);
      }
      assert.deepEqual(billed.map((b) => [b.currency, b.amount]).sort(), [
        ["EUR", 23],
        ["USD", 10],
      ]);
    } finally {
      await h.close();
    }
  });
});

describe("metering survives kill -9", () => {
  test("every answered billable call is in the store after SIGKILL", {
    timeout: 120_000,
  }, async () => {
    const proc = spawn(process.execPath, [child], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<void>((resolve) => proc.on("close", () => resolve()));
    const lines = createInterface({ input: proc.stdout });
    const started = await new Promise<{ port: number; dir: string; key: string }>(
      (resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error("the child did not start in 60 s")),
          60_000,
        );
        lines.on("line", (l) => {
          clearTimeout(timer);
          resolve(JSON.parse(l));
        });
        proc.on("exit", (c) => reject(new Error(`the child exited with ${c}`)));
      },
    );
    const answered: string[] = [];
    try {
      const url = `http://127.0.0.1:${started.port}/test/check/1`;
      let n = 0;
      let killed = false;
      // 32 callers in parallel, each with its own request ids, until the child is killed.
      const caller = async (): Promise<void> => {
        while (!killed) {
          const id = `req-${++n}`;
          try {
            const r = await fetch(url, {
              headers: { authorization: `Bearer ${started.key}`, "idempotency-key": id },
              signal: AbortSignal.timeout(10_000),
            });
            await r.text();
            if (r.status === 200) answered.push(id);
          } catch {
            return; // the connection died with the child
          }
        }
      };
      const callers = Array.from({ length: 32 }, caller);
      while (answered.length < 300) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)));
      proc.kill("SIGKILL");
      killed = true;
      await Promise.all(callers);
      await exited;
      assert.ok(answered.length >= 300);
      const store = AccessStore.open(started.dir);
      try {
        const month = monthOf(Date.now());
        const stored = new Set([...store.records(month)].map((r) => r.requestId));
        const missing = answered.filter((id) => !stored.has(id));
        assert.deepEqual(
          missing,
          [],
          `${missing.length} of ${answered.length} answered calls lost`,
        );
      } finally {
        await store.close();
      }
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      rmSync(started.dir, { recursive: true, force: true });
    }
  });
});
