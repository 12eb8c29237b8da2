/** The check routes, asked through fastify.inject over a real ledger (LMDB, embedded engine). */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import {
  ACME,
  ALICE,
  BOB,
  CLEAN_PHONE,
  examplePhoneSteps,
  POLICE,
  REGULATOR,
  SHOP,
  STOLEN_PHONE,
  STOLEN_PHONE_MAC,
} from "../../../tests/support/consortium.js";
import { codeOf, type HttpApp, NODE_KEY, startHttpApp } from "../../../tests/support/http-app.js";
import { TEST_CHAIN } from "../../../tests/support/signers.js";
import { verifyCheckReport } from "../../core/check/report-signature.js";
import { fromHex } from "../../core/encoding/bytes.js";
import { parseTacDb } from "../../core/identifiers/tac-db.js";
import { defaultPairingSalt, pairingHash } from "../../core/state/pairing.js";
import { CheckReads } from "../../ledger/read/check-reads.js";
import { checkPlugin } from "./check-routes.js";

/** A subscriber of bob's clean phone, paired by the regulator: it must never appear in a report. */
const SUBSCRIBER = "imsi-001010123456789";
const PAIRING = pairingHash(
  fromHex(defaultPairingSalt(TEST_CHAIN))!,
  "imei:49015420323752",
  SUBSCRIBER,
);

describe("check routes", () => {
  let t: HttpApp;
  before(async () => {
    t = await startHttpApp();
    await t.run(examplePhoneSteps());
    // The police confirm alice's report, and the regulator pairs bob's phone with his SIM.
    await t.submit(POLICE.signer, "report.file", {
      device: STOLEN_PHONE,
      kind: "stolen",
      reference: "CASE-1",
    });
    await t.submit(REGULATOR.signer, "pairing.add", { device: CLEAN_PHONE, hash: PAIRING });
  });
  after(async () => {
    await t.close();
  });

  const check = (id: string) => t.request(`/v1/check/${encodeURIComponent(id)}`);

  test("a stolen phone fails, for being stolen; the report verifies under the node key", async () => {
    const r = await check(STOLEN_PHONE);
    assert.equal(r.status, 200);
    assert.equal(r.body.verdict, "failed");
    assert.deepEqual(r.body.reasons, ["stolen"]);
    assert.equal(r.body.state, "stolen");
    assert.deepEqual(r.body.model, {
      brand: "Nokia",
      model: "3110",
      source: "Osmocom TAC database under CC-BY-SA v3.0 (c) Harald Welte 2016",
    });
    assert.deepEqual(
      (r.body.identifiers as { display: string }[]).map((i) => i.display),
      [STOLEN_PHONE, "AA-BB-CC-DD-EE-01"],
    );
    const history = r.body.history as { kind: string; actorRole: string; organisation?: string }[];
    assert.deepEqual(
      history.map((e) => [e.kind, e.actorRole, e.organisation]),
      [
        ["registered", "manufacturer", ACME.id],
        ["sold", "retailer", SHOP.id],
        ["reported_stolen", "owner", undefined],
        ["reported_stolen", "law_enforcement", POLICE.id],
      ],
    );
    assert.equal(r.body.ownershipChanges, 1);
    assert.equal(r.body.height, t.app.reads.last.height);
    // Exactly what was served verifies: the response schema dropped nothing the node signed.
    const report = verifyCheckReport(r.body, [NODE_KEY.keyId]);
    assert.equal(report.signature?.keyId, NODE_KEY.keyId);
  });

  test("every identifier form of a device gives the same claims", async () => {
    const ids = new Set<unknown>();
    for (const form of [STOLEN_PHONE, "49015420323751", `imei-${STOLEN_PHONE}`, STOLEN_PHONE_MAC]) {
      const r = await check(form);
      assert.equal(r.status, 200, form);
      assert.equal(r.body.verdict, "failed", form);
      ids.add(JSON.stringify(r.body.history));
    }
    assert.equal(ids.size, 1);
    assert.equal(
      (await check("49015420323751")).body.validity && (await check("49015420323751")).body.asked,
      "imei:49015420323751",
    );
  });

  test("a clean phone passes; its claims name no owner or subscriber, its proof no subscriber", async () => {
    const r = await check(CLEAN_PHONE);
    assert.equal(r.status, 200);
    assert.equal(r.body.verdict, "passed");
    assert.deepEqual(r.body.reasons, []);
    assert.deepEqual(r.body.validity, { checkDigit: "valid", tacKnown: true });
    const kinds = (r.body.history as { kind: string }[]).map((e) => e.kind);
    assert.deepEqual(kinds, ["registered", "sold", "paired"]);
    // The proof's entry is the ledger record itself (its hash is what the app hash commits to),
    // so it holds the owner's key id and the salted pairing hash, as every node's copy does; the
    // report's own claims hold neither, and the subscriber is nowhere (docs/PROTOCOL.md).
    const { proof, ...claims } = r.body;
    assert.ok(proof, "the report carries its proof bundle");
    const claimsText = JSON.stringify(claims);
    for (const secret of [BOB.keyId, ALICE.keyId, SUBSCRIBER, SUBSCRIBER.slice(5), PAIRING]) {
      assert.ok(!claimsText.includes(secret), `the report's claims hold ${secret}`);
    }
    for (const secret of [SUBSCRIBER, SUBSCRIBER.slice(5)]) {
      assert.ok(!r.text.includes(secret), `the report holds the subscriber ${secret}`);
    }
    // The same search on the stolen phone's report, for alice's key.
    const { proof: _, ...stolenClaims } = (await check(STOLEN_PHONE)).body;
    assert.ok(!JSON.stringify(stolenClaims).includes(ALICE.keyId));
  });

  test("an unknown but valid identifier is a report: caution, unregistered", async () => {
    const r = await check("356938035643809");
    assert.equal(r.status, 200);
    assert.equal(r.body.registered, false);
    assert.equal(r.body.verdict, "caution");
    assert.deepEqual(r.body.reasons, ["unregistered"]);
    assert.deepEqual(r.body.model, {
      brand: "Nokia",
      model: "N900",
      source: "Osmocom TAC database under CC-BY-SA v3.0 (c) Harald Welte 2016",
    });
    const unknownTac = await check("99999999000001");
    assert.equal(unknownTac.status, 200);
    assert.deepEqual(unknownTac.body.reasons, ["unregistered", "tac_unknown"]);
    verifyCheckReport(unknownTac.body, [NODE_KEY.keyId]);
  });

  test("an invalid identifier is its coded 400", async () => {
    const bad = await check("490154203237519");
    assert.equal(bad.status, 400);
    assert.equal(codeOf(bad), "IMEI_BAD_CHECK_DIGIT");
    assert.equal(codeOf(await check("not-an-identifier")), "IDENTIFIER_UNRECOGNISED");
  });

  test("GET is billable on the public tier, POST needs a key; attribution names members' keys", async () => {
    // The plugin alone, with hooks that see what the access plugin would.
    const f = Fastify();
    const access = new Map<string, unknown>();
    let seen: readonly string[] | undefined;
    f.addHook("onRoute", (route) => {
      access.set(`${route.method} ${route.url}`, route.config?.access);
    });
    f.addHook("onResponse", async (request) => {
      seen = request.attribution;
    });
    await f.register(checkPlugin, {
      reads: new CheckReads(t.app.store),
      tacs: parseTacDb(
        readFileSync(new URL("../../../../share/tacdb.csv", import.meta.url), "utf8"),
      ),
      signer: NODE_KEY,
    });
    await f.ready();
    try {
      assert.deepEqual(access.get("GET /v1/check/:id"), {
        scope: "check",
        billable: true,
        publicTier: true,
      });
      assert.deepEqual(access.get("POST /v1/check"), {
        scope: "bulk",
        billable: true,
        publicTier: false,
      });
      await f.inject({ url: `/v1/check/${STOLEN_PHONE}` });
      assert.deepEqual(
        new Set(seen),
        new Set([ACME.signer.keyId, SHOP.signer.keyId, POLICE.signer.keyId]),
      );
      await f.inject({ url: `/v1/check/${CLEAN_PHONE}` });
      assert.deepEqual(
        new Set(seen),
        new Set([ACME.signer.keyId, SHOP.signer.keyId, REGULATOR.signer.keyId]),
      );
      await f.inject({ url: "/v1/check/356938035643809" });
      assert.deepEqual(seen, []);
    } finally {
      await f.close();
    }
  });

  test("POST /v1/check: reports in order, per-id errors inline, all of one height", async () => {
    const r = await t.request("/v1/check", {
      method: "POST",
      body: JSON.stringify({ ids: [STOLEN_PHONE, "490154203237519", CLEAN_PHONE] }),
    });
    assert.equal(r.status, 200);
    const results = r.body.results as {
      input: string;
      report?: Record<string, unknown>;
      error?: { code: string };
    }[];
    assert.deepEqual(
      results.map((x) => [x.input, x.report?.verdict ?? x.error?.code]),
      [
        [STOLEN_PHONE, "failed"],
        ["490154203237519", "IMEI_BAD_CHECK_DIGIT"],
        [CLEAN_PHONE, "passed"],
      ],
    );
    assert.equal(results[0]?.report?.height, results[2]?.report?.height);
    for (const x of [results[0], results[2]]) verifyCheckReport(x?.report, [NODE_KEY.keyId]);
  });

  test("POST /v1/check refuses more than 1,000 identifiers, and a malformed body", async () => {
    const many = await t.request("/v1/check", {
      method: "POST",
      body: JSON.stringify({ ids: Array.from({ length: 1_001 }, () => CLEAN_PHONE) }),
    });
    assert.equal(many.status, 400);
    assert.equal(codeOf(many), "CHECK_BATCH_TOO_LARGE");
    const huge = await t.request("/v1/check", {
      method: "POST",
      body: JSON.stringify({ ids: Array.from({ length: 1_000 }, () => "x".repeat(250)) }),
    });
    assert.equal(codeOf(huge), "REQUEST_TOO_LARGE");
    const wrong = await t.request("/v1/check", { method: "POST", body: JSON.stringify({ id: 1 }) });
    assert.equal(codeOf(wrong), "REQUEST_BAD_PARAMS");
    const full = await t.request("/v1/check", {
      method: "POST",
      body: JSON.stringify({ ids: Array.from({ length: 1_000 }, () => CLEAN_PHONE) }),
    });
    assert.equal(full.status, 200);
    assert.equal((full.body.results as unknown[]).length, 1_000);
  });

  // Last, since it changes bob's phone: a report cached at one height is never served at the next.
  test("a new block gives a new report", async () => {
    const before = await check(CLEAN_PHONE);
    assert.equal((await check(CLEAN_PHONE)).body.id, before.body.id);
    await t.submit(BOB, "report.file", { device: CLEAN_PHONE, kind: "lost" });
    const afterReport = await check(CLEAN_PHONE);
    assert.ok(Number(afterReport.body.height) > Number(before.body.height));
    assert.equal(afterReport.body.verdict, "failed");
    assert.deepEqual(afterReport.body.reasons, ["lost"]);
  });

  test("the routes are in the OpenAPI document", async () => {
    const doc = (await t.request("/openapi.json")).body as { paths: Record<string, unknown> };
    assert.ok(doc.paths["/v1/check/{id}"]);
    assert.ok(doc.paths["/v1/check"]);
  });
});
