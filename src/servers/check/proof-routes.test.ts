/** GET /v1/devices/{id}/proof through fastify.inject over a real ledger (LMDB, embedded engine). */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { checkEmbeddedBundle, verifyEntries } from "../../../tests/support/bundle-checks.js";
import {
  ACME,
  CLEAN_PHONE,
  examplePhoneSteps,
  POLICE,
  STOLEN_PHONE,
} from "../../../tests/support/consortium.js";
import { codeOf, type HttpApp, NODE_KEY, startHttpApp } from "../../../tests/support/http-app.js";
import type { ProofBundleJson } from "../../core/proof/proof-bundle.js";
import { EmbeddedProofSource } from "../../ledger/read/embedded-proofs.js";
import { proofRoutes } from "./proof-routes.js";

// TS 23.003 Annex B's example TAC with another serial: valid, never registered.
const UNKNOWN_IMEI = "490154209999996";

describe("GET /v1/devices/{id}/proof", () => {
  let t: HttpApp;
  const bundle = async (path: string): Promise<ProofBundleJson> => {
    const r = await t.request(path);
    assert.equal(r.status, 200, r.text);
    const b = r.body as unknown as ProofBundleJson;
    checkEmbeddedBundle(b, [NODE_KEY.keyId]);
    return b;
  };

  before(async () => {
    t = await startHttpApp();
    await t.run(examplePhoneSteps());
    await t.submit(POLICE.signer, "report.file", {
      device: CLEAN_PHONE,
      kind: "stolen",
      reference: "case-7",
    });
  });
  after(async () => {
    await t.close();
  });

  test("by its primary IMEI: the device record, at the last height, under the signed header", async () => {
    const b = await bundle(`/v1/devices/${STOLEN_PHONE}/proof`);
    assert.equal(b.height, t.app.info().lastBlockHeight);
    assert.equal(b.chainId, t.app.chainId);
    const proved = verifyEntries(b);
    assert.deepEqual(
      proved.map((e) => e.key),
      ["device/imei:49015420323751"],
    );
    assert.equal((proved[0]!.value as { id: string }).id, "imei:49015420323751");
    // Any form of the identifier proves the same key.
    const pei = await bundle(`/v1/devices/imei-${STOLEN_PHONE}/proof`);
    assert.deepEqual(pei.entries, b.entries);
  });

  test("by an alias (the MAC): the alias entry and the record it points to", async () => {
    const b = await bundle(`/v1/devices/AA-BB-CC-DD-EE-01/proof`);
    const proved = verifyEntries(b);
    assert.deepEqual(
      proved.map((e) => [e.key, typeof e.value === "string" ? e.value : "record"]),
      [
        ["alias/mac:AABBCCDDEE01", "imei:49015420323751"],
        ["device/imei:49015420323751", "record"],
      ],
    );
  });

  test("an unknown identifier: a bundle proving its absence, not a 404", async () => {
    const b = await bundle(`/v1/devices/${UNKNOWN_IMEI}/proof`);
    const proved = verifyEntries(b);
    assert.deepEqual(proved, [
      { key: "device/imei:49015420999999", value: null },
      { key: "alias/imei:49015420999999", value: null },
    ]);
  });

  test("a malformed identifier is refused with its code; an over-long one too", async () => {
    assert.equal(
      codeOf(await t.request("/v1/devices/490154203237519/proof")),
      "IMEI_BAD_CHECK_DIGIT",
    );
    const long = await t.request(`/v1/devices/${"1".repeat(101)}/proof`);
    assert.ok(long.status === 400 || long.status === 414, String(long.status));
  });

  test("?height= is the provable height, or PROOF_HEIGHT_UNAVAILABLE naming it", async () => {
    const top = t.app.info().lastBlockHeight;
    const b = await bundle(`/v1/devices/${STOLEN_PHONE}/proof?height=${top}`);
    assert.equal(b.height, top);
    for (const asked of [top - 1, top + 1, 0]) {
      const r = await t.request(`/v1/devices/${STOLEN_PHONE}/proof?height=${asked}`);
      assert.equal(r.status, 409);
      assert.equal(codeOf(r), "PROOF_HEIGHT_UNAVAILABLE");
      const data = (r.body.error as { data: Record<string, unknown> }).data;
      assert.deepEqual(data, { requested: asked, available: top });
    }
    assert.equal(
      codeOf(await t.request(`/v1/devices/${STOLEN_PHONE}/proof?height=-1`)),
      "REQUEST_BAD_PARAMS",
    );
  });

  test("declares the proof scope and attributes the answer to the members whose records it holds", async () => {
    const seen: { access: unknown; attribution: unknown }[] = [];
    const f = Fastify();
    f.addHook("onResponse", async (request) => {
      seen.push({ access: request.routeOptions.config.access, attribution: request.attribution });
    });
    await f.register(proofRoutes, {
      reads: t.app.reads,
      proofs: new EmbeddedProofSource(t.app.store),
    });
    for (const id of [STOLEN_PHONE, CLEAN_PHONE, UNKNOWN_IMEI]) {
      assert.equal((await f.inject(`/v1/devices/${id}/proof`)).statusCode, 200);
    }
    await f.close();
    const access = { scope: "proof", billable: true, publicTier: true };
    assert.deepEqual(seen, [
      // Reported stolen by its owner, who is no member: the manufacturer only.
      { access, attribution: [ACME.id] },
      { access, attribution: [ACME.id, POLICE.id] },
      { access, attribution: [] },
    ]);
  });

  test("is in the OpenAPI document", async () => {
    const doc = await t.request("/openapi.json");
    const paths = doc.body.paths as Record<string, { get?: { parameters?: unknown[] } }>;
    assert.ok(paths["/v1/devices/{id}/proof"]?.get, "the route is documented");
  });
});

describe("the embedded source before any signed block", () => {
  test("genesis alone is refused with PROOF_UNAVAILABLE", async () => {
    const t = await startHttpApp();
    try {
      const r = await t.request(`/v1/devices/${STOLEN_PHONE}/proof`);
      assert.equal(r.status, 503);
      assert.equal(codeOf(r), "PROOF_UNAVAILABLE");
    } finally {
      await t.close();
    }
  });
});
