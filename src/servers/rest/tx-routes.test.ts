/**
 * POST /v1/txs through fastify.inject over a real ledger: bad input gets a coded error and leaves
 * the state unchanged, and what a block would refuse is refused at submission. Nonces come from
 * the node (GET /v1/accounts/{key}), so that each refusal is for the reason its case names.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ACME,
  ALICE,
  BOB,
  CLEAN_PHONE,
  examplePhoneSteps,
  SHOP,
  STOLEN_PHONE,
} from "../../../tests/support/consortium.js";
import {
  codeOf,
  type HttpApp,
  type InjectReply,
  startHttpApp,
} from "../../../tests/support/http-app.js";
import { signed } from "../../../tests/support/signers.js";
import type { Signer } from "../../core/crypto/ed25519.js";
import { toBase64Url } from "../../core/encoding/bytes.js";
import { txHash } from "../../core/tx/transaction.js";

const acme = ACME.signer;
const shop = SHOP.signer;
const alice = ALICE;
const bob = BOB;
const STOLEN = STOLEN_PHONE;
const CLEAN = CLEAN_PHONE;

/** The signer's next nonce, as the node says. */
const nextNonce = async (t: HttpApp, s: Signer): Promise<number> =>
  (await t.request(`/v1/accounts/${s.keyId}`)).body.nextNonce as number;

describe("bad input gets a coded error and leaves the state unchanged", () => {
  let t: HttpApp;
  before(async () => {
    t = await startHttpApp();
    await t.run(examplePhoneSteps());
  });
  after(async () => {
    await t.close();
  });
  const txs = (body: string, headers?: Record<string, string>) =>
    t.request("/v1/txs", { method: "POST", body, ...(headers ? { headers } : {}) });
  const next = (s: Signer) => nextNonce(t, s);

  const cases: [string, () => Promise<InjectReply>, string][] = [
    ["malformed JSON", () => txs('{"body": '), "REQUEST_MALFORMED_JSON"],
    ["an empty body", () => txs(""), "REQUEST_MALFORMED_JSON"],
    ["an oversized body", () => txs(`{"x":"${"a".repeat(2_000_000)}"}`), "REQUEST_TOO_LARGE"],
    [
      "a non-JSON content type",
      () => txs("hello", { "content-type": "text/plain" }),
      "REQUEST_UNSUPPORTED_MEDIA_TYPE",
    ],
    ["a transaction of the wrong shape", () => t.post({ body: {}, sig: "" }), "TX_MALFORMED"],
    [
      "a bad signature",
      async () => {
        const tx = signed(alice, await next(alice), "report.file", {
          device: STOLEN,
          kind: "lost",
        });
        const sig = Buffer.from(tx.sig, "base64url");
        sig[0] = (sig[0] ?? 0) ^ 1;
        return t.post({ ...tx, sig: toBase64Url(sig) });
      },
      "TX_BAD_SIGNATURE",
    ],
    [
      "a signature over other params",
      async () => {
        const tx = signed(bob, await next(bob), "report.file", { device: STOLEN, kind: "lost" });
        return t.post({ ...tx, body: { ...tx.body, params: { device: CLEAN, kind: "lost" } } });
      },
      "TX_BAD_SIGNATURE",
    ],
    [
      "a replayed nonce",
      async () =>
        t.post(
          signed(alice, (await next(alice)) - 1, "report.file", { device: STOLEN, kind: "lost" }),
        ),
      "TX_NONCE_REPLAYED",
    ],
    [
      "the wrong chain id",
      async () =>
        t.post(
          signed(
            bob,
            await next(bob),
            "report.file",
            { device: CLEAN, kind: "lost" },
            "other-chain",
          ),
        ),
      "TX_WRONG_CHAIN",
    ],
    [
      "an unknown type",
      async () => {
        const tx = signed(bob, await next(bob), "report.file", { device: CLEAN, kind: "lost" });
        return t.post({ ...tx, body: { ...tx.body, type: "device.teleport" } });
      },
      "TX_UNKNOWN_TYPE",
    ],
    [
      "a float in the params",
      async () => {
        const tx = signed(bob, await next(bob), "report.file", { device: CLEAN, kind: "lost" });
        return t.post({ ...tx, body: { ...tx.body, params: { ...tx.body.params, n: 1.5 } } });
      },
      "TX_MALFORMED",
    ],
    [
      "an invalid identifier (bad check digit)",
      async () =>
        t.post(
          signed(acme, await next(acme), "device.register", {
            devices: [{ ids: ["490154203237519"] }],
          }),
        ),
      "TX_BAD_PARAMS",
    ],
    [
      "an identifier in no known form",
      async () =>
        t.post(
          signed(bob, await next(bob), "report.file", { device: "not-an-imei", kind: "lost" }),
        ),
      "IDENTIFIER_UNRECOGNISED",
    ],
    [
      "a wrong role (an owner registering devices)",
      async () =>
        t.post(
          signed(bob, await next(bob), "device.register", {
            devices: [{ ids: ["490154203237534"] }],
          }),
        ),
      "ROLE_FORBIDDEN",
    ],
    [
      "a wrong role (a retailer blocking a device)",
      async () =>
        t.post(signed(shop, await next(shop), "device.block", { device: CLEAN, reason: "fraud" })),
      "ROLE_FORBIDDEN",
    ],
  ];
  for (const [name, send, code] of cases) {
    test(name, async () => {
      const status = await t.request("/v1/status");
      const r = await send();
      assert.equal(codeOf(r), code, JSON.stringify(r.body).slice(0, 300));
      assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
      const after = await t.request("/v1/status");
      assert.equal(after.body.appHash, status.body.appHash);
      assert.equal(after.body.height, status.body.height);
      const clean = await t.request(`/v1/devices/${CLEAN}`);
      assert.equal(clean.body.state, "active");
    });
  }

  test("a bad row in a bulk registration names the row and its code", async () => {
    const r = await t.post(
      signed(acme, await next(acme), "device.register", {
        devices: [{ ids: ["490154203237534"] }, { ids: ["490154203237519"] }],
      }),
    );
    assert.equal(codeOf(r), "TX_BAD_PARAMS");
    const rows = (r.body.error as { data: { rows: { index: number; code: string }[] } }).data.rows;
    assert.deepEqual(rows, [{ index: 1, code: "IMEI_BAD_CHECK_DIGIT" }]);
    assert.equal((await t.request("/v1/devices/490154203237534")).status, 404);
  });

  test("a device reported stolen cannot be transferred", async () => {
    const offer = signed(alice, await next(alice), "transfer.offer", {
      device: STOLEN,
      to: bob.keyId,
    });
    assert.equal(codeOf(await t.post(offer)), "DEVICE_NOT_TRANSFERABLE");
  });
});

test("a transaction its block would refuse is refused at submission and never stored", async () => {
  const t = await startHttpApp();
  try {
    await t.run(examplePhoneSteps());
    const n = await nextNonce(t, bob);
    const offer = signed(bob, n, "transfer.offer", { device: CLEAN, to: alice.keyId });
    const rival = signed(bob, n + 1, "transfer.offer", { device: CLEAN, to: shop.keyId });
    assert.equal((await t.post(offer)).status, 200);
    const height = (await t.request("/v1/blocks/latest")).body.header as { height: number };
    const second = await t.post(rival);
    assert.equal(codeOf(second), "OFFER_EXISTS");
    assert.equal((await t.request(`/v1/txs/${txHash(rival)}`)).status, 404);
    const after = (await t.request("/v1/blocks/latest")).body.header as { height: number };
    assert.equal(after.height, height.height, "the refusal added no block");
    const cancel = signed(bob, n + 1, "transfer.cancel", { device: CLEAN, offer: txHash(offer) });
    assert.equal((await t.post(cancel)).body.code, 0);
    assert.equal(codeOf(await t.post(rival)), "TX_NONCE_REPLAYED", "its nonce was taken since");
  } finally {
    await t.close();
  }
});
