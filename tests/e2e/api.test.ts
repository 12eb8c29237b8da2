/** The REST API and the N5g-eir endpoint over real HTTP against a real node (LMDB, embedded engine). */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toBase64Url } from "../../src/core/encoding/bytes.js";
import { type SignedTx, txHash } from "../../src/core/tx/transaction.js";
import { codeOf, type E2eNode, e2eSigner, http, post, signed, startE2eNode } from "./e2e-node.js";

const regulator = e2eSigner("regulator");
const acme = e2eSigner("acme");
const shop = e2eSigner("shop");
const police = e2eSigner("police");
const alice = e2eSigner("alice");
const bob = e2eSigner("bob");

// TS 23.003 Annex B example IMEI 49015420323751, check digit 8.
const STOLEN = "490154203237518";
const CLEAN = "490154203237526";

describe("REST API over HTTP", () => {
  let n: E2eNode;
  let url: string;
  let regNonce = 0;
  let acmeNonce = 0;

  const ok = async (tx: SignedTx): Promise<Record<string, unknown>> => {
    const r = await post(url, tx);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.code, 0);
    return r.body;
  };
  const appHash = async (): Promise<unknown> => (await http(`${url}/v1/status`)).body.appHash;

  before(async () => {
    n = await startE2eNode();
    url = n.url;
    for (const [id, role, s] of [
      ["acme", "manufacturer", acme],
      ["shop", "retailer", shop],
      ["police", "law_enforcement", police],
    ] as const) {
      await ok(signed(regulator, ++regNonce, "member.admit", { id, role, name: id, key: s.keyId }));
    }
    await ok(
      signed(regulator, ++regNonce, "tac.allocate", {
        manufacturer: "acme",
        from: "49015420",
        to: "49015420",
      }),
    );
    await ok(
      signed(acme, ++acmeNonce, "device.register", {
        devices: [{ ids: [STOLEN, "aa:bb:cc:dd:ee:01"] }, { ids: [CLEAN] }],
      }),
    );
    await ok(signed(shop, 1, "device.sell", { device: STOLEN, owner: alice.keyId }));
    await ok(signed(shop, 2, "device.sell", { device: CLEAN, owner: bob.keyId }));
  });
  after(async () => {
    await n.stop();
  });

  test("a committed transaction replies with height, code and events", async () => {
    const body = await ok(signed(alice, 1, "report.file", { device: STOLEN, kind: "stolen" }));
    assert.equal(typeof body.height, "number");
    assert.match(String(body.hash), /^[0-9a-f]{64}$/);
    const events = body.events as { type: string }[];
    assert.ok(events.length > 0);
    const tx = await http(`${url}/v1/txs/${String(body.hash)}`);
    assert.equal(tx.status, 200);
    assert.equal(tx.body.height, body.height);
  });

  test("a device by IMEI, IMEISV, PEI and MAC is one record with state and EIR status", async () => {
    const forms = [STOLEN, "4901542032375101", "imei-490154203237518", "AA-BB-CC-DD-EE-01"];
    for (const form of forms) {
      const r = await http(`${url}/v1/devices/${encodeURIComponent(form)}`);
      assert.equal(r.status, 200, form);
      assert.equal(r.body.id, "imei:49015420323751");
      assert.equal(r.body.state, "stolen");
      assert.equal(r.body.equipmentStatus, "BLACKLISTED");
      assert.match(String(r.body.ownerFingerprint), /^[0-9a-f]{16}$/);
    }
    const history = await http(`${url}/v1/devices/${STOLEN}/history`);
    const events = (history.body.history as { event: string; actor: string }[]).map((h) => h.event);
    assert.deepEqual(events, ["registered", "sold", "reported_stolen"]);
  });

  test("equipment-status answers by the device-state table (docs/PROTOCOL.md), 404 problem+json for unknown, 400 invalidParams", async () => {
    const eir = (q: string) => http(`${url}/n5g-eir-eic/v1/equipment-status?${q}`);
    assert.deepEqual((await eir(`pei=imei-${STOLEN}`)).body, { status: "BLACKLISTED" });
    assert.deepEqual((await eir(`pei=imei-${CLEAN}`)).body, { status: "WHITELISTED" });
    // A network may send the IMEISV form; it resolves to the same device.
    assert.deepEqual((await eir("pei=imeisv-4901542032375201")).body, { status: "WHITELISTED" });
    assert.deepEqual((await eir("pei=mac-AA-BB-CC-DD-EE-01&supi=imsi-001010000000001")).body, {
      status: "BLACKLISTED",
    });
    const unknown = await eir("pei=imei-490154203237500");
    assert.equal(unknown.status, 404);
    assert.match(unknown.contentType, /^application\/problem\+json/);
    assert.equal(unknown.body.cause, "ERROR_EQUIPMENT_UNKNOWN");
    for (const q of ["pei=imei-4901", "pei=phone-1", "", "pei="]) {
      const bad = await eir(q);
      assert.equal(bad.status, 400, q);
      assert.match(bad.contentType, /^application\/problem\+json/);
      assert.equal(bad.body.cause, "INVALID_QUERY_PARAM");
      const params = bad.body.invalidParams as { param: string }[];
      assert.equal(params[0]?.param, "pei");
    }
    // The optional parameters are checked against their TS 29.571 patterns.
    for (const [q, param] of [
      [`pei=imei-${CLEAN}&supported-features=xyz`, "supported-features"],
      [`pei=imei-${CLEAN}&supi=`, "supi"],
      [`pei=imei-${CLEAN}&gpsi=a&gpsi=b`, "gpsi"],
    ] as const) {
      const bad = await eir(q);
      assert.equal(bad.status, 400, q);
      assert.equal((bad.body.invalidParams as { param: string }[])[0]?.param, param, q);
    }
    assert.deepEqual((await eir(`pei=imei-${CLEAN}&supported-features=0aF`)).body, {
      status: "WHITELISTED",
    });
    const long = await eir(`pei=imei-${CLEAN}&gpsi=msisdn-${"1".repeat(5_000)}`);
    assert.equal(long.status, 414);
    assert.match(long.contentType, /^application\/problem\+json/);
  });

  test("equipment-status answers 405 with Allow to any other method, before reading a body", async () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "QUERY"]) {
      const r = await fetch(`${url}/n5g-eir-eic/v1/equipment-status?pei=imei-${CLEAN}`, {
        method,
        ...(method === "POST"
          ? { body: "<not json>", headers: { "content-type": "text/xml" } }
          : {}),
      });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.get("allow"), "GET, HEAD", method);
      assert.equal(((await r.json()) as { cause: string }).cause, "METHOD_NOT_ALLOWED");
    }
  });

  describe("bad input gets a coded error and leaves the state unchanged", () => {
    const cases: [
      string,
      () => Promise<{ status: number; body: Record<string, unknown> }>,
      string,
    ][] = [
      [
        "malformed JSON",
        () => http(`${url}/v1/txs`, { method: "POST", body: '{"body": ' }),
        "REQUEST_MALFORMED_JSON",
      ],
      [
        "an empty body",
        () => http(`${url}/v1/txs`, { method: "POST", body: "" }),
        "REQUEST_MALFORMED_JSON",
      ],
      [
        "an oversized body",
        () => http(`${url}/v1/txs`, { method: "POST", body: `{"x":"${"a".repeat(2_000_000)}"}` }),
        "REQUEST_TOO_LARGE",
      ],
      [
        "a non-JSON content type",
        () =>
          http(`${url}/v1/txs`, {
            method: "POST",
            body: "hello",
            headers: { "content-type": "text/plain" },
          }),
        "REQUEST_UNSUPPORTED_MEDIA_TYPE",
      ],
      ["a transaction of the wrong shape", () => post(url, { body: {}, sig: "" }), "TX_MALFORMED"],
      [
        "a bad signature",
        () => {
          const tx = signed(alice, 5, "report.file", { device: STOLEN, kind: "lost" });
          const sig = Buffer.from(tx.sig, "base64url");
          sig[0] = (sig[0] ?? 0) ^ 1;
          return post(url, { ...tx, sig: toBase64Url(sig) });
        },
        "TX_BAD_SIGNATURE",
      ],
      [
        "a signature over other params",
        () => {
          const tx = signed(bob, 5, "report.file", { device: STOLEN, kind: "lost" });
          return post(url, {
            ...tx,
            body: { ...tx.body, params: { device: CLEAN, kind: "lost" } },
          });
        },
        "TX_BAD_SIGNATURE",
      ],
      [
        "a replayed nonce",
        () => post(url, signed(alice, 1, "report.file", { device: STOLEN, kind: "lost" })),
        "TX_NONCE_REPLAYED",
      ],
      [
        "the wrong chain id",
        () =>
          post(url, signed(bob, 9, "report.file", { device: CLEAN, kind: "lost" }, "other-chain")),
        "TX_WRONG_CHAIN",
      ],
      [
        "an unknown type",
        () => {
          const tx = signed(bob, 9, "report.file", { device: CLEAN, kind: "lost" });
          return post(url, { ...tx, body: { ...tx.body, type: "device.teleport" } });
        },
        "TX_UNKNOWN_TYPE",
      ],
      [
        "a float in the params",
        () => {
          const tx = signed(bob, 9, "report.file", { device: CLEAN, kind: "lost" });
          return post(url, { ...tx, body: { ...tx.body, params: { ...tx.body.params, n: 1.5 } } });
        },
        "TX_MALFORMED",
      ],
      [
        "an invalid identifier (bad check digit)",
        () =>
          post(
            url,
            signed(acme, acmeNonce + 9, "device.register", {
              devices: [{ ids: ["490154203237519"] }],
            }),
          ),
        "TX_BAD_PARAMS",
      ],
      [
        "an identifier in no known form",
        () => post(url, signed(bob, 9, "report.file", { device: "not-an-imei", kind: "lost" })),
        "IDENTIFIER_UNRECOGNISED",
      ],
      [
        "a wrong role (an owner registering devices)",
        () =>
          post(url, signed(bob, 9, "device.register", { devices: [{ ids: ["490154203237534"] }] })),
        "ROLE_FORBIDDEN",
      ],
      [
        "a wrong role (a retailer blocking a device)",
        () => post(url, signed(shop, 9, "device.block", { device: CLEAN, reason: "fraud" })),
        "ROLE_FORBIDDEN",
      ],
    ];
    for (const [name, send, code] of cases) {
      test(name, async () => {
        const before = await appHash();
        const height = (await http(`${url}/v1/status`)).body.height;
        const r = await send();
        assert.equal(codeOf(r as never), code, JSON.stringify(r.body).slice(0, 300));
        assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
        assert.equal(await appHash(), before);
        assert.equal((await http(`${url}/v1/status`)).body.height, height);
        const clean = await http(`${url}/v1/devices/${CLEAN}`);
        assert.equal(clean.body.state, "active");
      });
    }

    test("a bad row in a bulk registration names the row and its code", async () => {
      const r = await post(
        url,
        signed(acme, acmeNonce + 8, "device.register", {
          devices: [{ ids: ["490154203237534"] }, { ids: ["490154203237519"] }],
        }),
      );
      assert.equal(codeOf(r), "TX_BAD_PARAMS");
      const rows = (r.body.error as { data: { rows: { index: number; code: string }[] } }).data
        .rows;
      assert.deepEqual(rows, [{ index: 1, code: "IMEI_BAD_CHECK_DIGIT" }]);
      assert.equal((await http(`${url}/v1/devices/490154203237534`)).status, 404);
    });
  });

  test("a transaction its block would refuse is refused at submission and never stored", async () => {
    const offer = signed(bob, 10, "transfer.offer", { device: CLEAN, to: alice.keyId });
    const rival = signed(bob, 11, "transfer.offer", { device: CLEAN, to: shop.keyId });
    assert.equal((await post(url, offer)).status, 200);
    const height = (await http(`${url}/v1/blocks/latest`)).body.header as { height: number };
    const second = await post(url, rival);
    assert.equal(codeOf(second), "OFFER_EXISTS");
    assert.equal((await http(`${url}/v1/txs/${txHash(rival)}`)).status, 404);
    const after = (await http(`${url}/v1/blocks/latest`)).body.header as { height: number };
    assert.equal(after.height, height.height, "the refusal added no block");
    await ok(signed(bob, 11, "transfer.cancel", { device: CLEAN, offer: txHash(offer) }));
    assert.equal(codeOf(await post(url, rival)), "TX_NONCE_REPLAYED", "its nonce was taken since");
  });

  test("a device reported stolen cannot be transferred", async () => {
    const r = await post(
      url,
      signed(alice, 2, "transfer.offer", { device: STOLEN, to: bob.keyId }),
    );
    assert.equal(codeOf(r), "DEVICE_NOT_TRANSFERABLE");
  });

  test("accounts report the next nonce", async () => {
    const r = await http(`${url}/v1/accounts/${alice.keyId}`);
    assert.equal(r.body.role, "owner");
    assert.equal(r.body.nextNonce, Number(r.body.lastNonce) + 1);
    const reg = await http(`${url}/v1/accounts/${regulator.keyId}`);
    assert.deepEqual(
      [reg.body.account, reg.body.role, reg.body.lastNonce],
      ["regulator", "regulator", regNonce],
    );
    assert.equal(codeOf(await http(`${url}/v1/accounts/short`)), "REQUEST_BAD_PARAMS");
  });

  test("blocks chain by hash and members list every role", async () => {
    const latest = await http(`${url}/v1/blocks/latest`);
    const header = latest.body.header as { height: number; prevHash: string };
    const prev = await http(`${url}/v1/blocks/${header.height - 1}`);
    assert.equal(prev.body.hash, header.prevHash);
    const list = await http(`${url}/v1/blocks?from=0&limit=3`);
    assert.equal((list.body.blocks as unknown[]).length, 3);
    assert.equal(codeOf(await http(`${url}/v1/blocks/999999`)), "NOT_FOUND");
    const members = (await http(`${url}/v1/members`)).body.members as { role: string }[];
    assert.deepEqual(members.map((m) => m.role).sort(), [
      "law_enforcement",
      "manufacturer",
      "regulator",
      "retailer",
    ]);
  });

  test("device pages cover every device once", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const q = after === undefined ? "limit=1" : `limit=1&after=${encodeURIComponent(after)}`;
      const r = await http(`${url}/v1/devices?${q}`);
      const devices = r.body.devices as { id: string }[];
      seen.push(...devices.map((d) => d.id));
      after = r.body.next as string | undefined;
      if (after === undefined) break;
    }
    assert.deepEqual(seen, ["imei:49015420323751", "imei:49015420323752"]);
    assert.equal(codeOf(await http(`${url}/v1/devices?limit=5000`)), "REQUEST_BAD_PARAMS");
  });

  test("events stream committed blocks as server-sent events", async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/events`, { signal: controller.signal });
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = res.body!.getReader();
    const submitted = ok(
      signed(police, 1, "report.file", { device: STOLEN, kind: "stolen", reference: "CASE-1" }),
    );
    let text = "";
    const deadline = Date.now() + 10_000;
    while (!text.includes("reported_stolen") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString("utf8");
    }
    const committed = await submitted;
    controller.abort();
    assert.match(text, /event: block/);
    assert.ok(text.includes(String(committed.hash)));
  });

  test("status, health, readiness, metrics and the OpenAPI document", async () => {
    const status = await http(`${url}/v1/status`);
    assert.equal(status.body.chainId, "devicechain-e2e");
    assert.equal(status.body.engine, "embedded");
    assert.equal((await http(`${url}/healthz`)).status, 200);
    assert.equal((await http(`${url}/readyz`)).body.ready, true);
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    assert.match(metrics, /devicechain_block_height \d+/);
    assert.match(metrics, /devicechain_eir_requests_total\{status="BLACKLISTED"\} \d+/);
    const doc = await http(`${url}/openapi.json`);
    assert.equal(doc.body.openapi, "3.1.0");
    const paths = Object.keys(doc.body.paths as object);
    for (const p of [
      "/v1/txs",
      "/v1/devices/{id}",
      "/n5g-eir-eic/v1/equipment-status",
      "/v1/events",
    ]) {
      assert.ok(paths.includes(p), `${p} missing from ${paths.join(", ")}`);
    }
    assert.equal((await fetch(`${url}/docs`)).status, 200);
    assert.equal(codeOf(await http(`${url}/v2/nothing`)), "NOT_FOUND");
  });
});

describe("unknownDevicePolicy", () => {
  test("GREYLISTED answers unknown devices with that status instead of 404", async () => {
    const n = await startE2eNode({ unknownDevicePolicy: "GREYLISTED" });
    try {
      const r = await http(`${n.url}/n5g-eir-eic/v1/equipment-status?pei=imei-490154203237518`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: "GREYLISTED" });
    } finally {
      await n.stop();
    }
  });
});
