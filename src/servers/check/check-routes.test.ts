/**
 * The check routes, asked through fastify.inject over a real ledger (LMDB, embedded engine),
 * behind the real access plugin: a marketplace's API key from the real access store, and a
 * keyless buyer on the public tier.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
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
import { defaultPairingSalt, pairingHash } from "../../core/state/pairing.js";
import { monthOf } from "../../core/usage/usage-month.js";

/** A subscriber of bob's clean phone, paired by the regulator: it must never appear in a report. */
const SUBSCRIBER = "imsi-001010123456789";
const PAIRING = pairingHash(
  fromHex(defaultPairingSalt(TEST_CHAIN))!,
  "imei:49015420323752",
  SUBSCRIBER,
);

describe("check routes", () => {
  let t: HttpApp;
  /** A marketplace's key on the business plan: check and bulk, and rates no test reaches. */
  let key: string;
  before(async () => {
    t = await startHttpApp();
    key = t.apiKey({ org: "market" });
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

  const bearer = (k = key) => ({ authorization: `Bearer ${k}` });
  const check = (id: string) =>
    t.request(`/v1/check/${encodeURIComponent(id)}`, { headers: bearer() });
  const bulk = (body: unknown, headers: Record<string, string> = bearer()) =>
    t.request("/v1/check", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { ...headers, "content-type": "application/json" },
    });
  /** This month's metering record of an answer (by its X-Request-Id), if it was metered. */
  const meterOf = (r: { headers: Record<string, unknown> }) =>
    [...t.access.records(monthOf(Date.now()))].find(
      (m) => m.requestId === r.headers["x-request-id"],
    );

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

  test("GET is billable on the public tier, POST needs a key; attribution names members", async () => {
    // A buyer without a key: answered on the public tier, and never metered.
    const records = () => [...t.access.records(monthOf(Date.now()))].length;
    const before = records();
    const pub = await t.request(`/v1/check/${STOLEN_PHONE}`);
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.body.verdict, "failed");
    assert.equal(pub.headers["ratelimit-limit"], "20", "the default public tier");
    assert.equal(pub.headers["x-request-id"], undefined);
    assert.equal(records(), before);

    // With a key: metered under scope check, split among the members whose lines the report shows.
    const stolen = meterOf(await check(STOLEN_PHONE));
    assert.equal(stolen?.scope, "check");
    assert.equal(stolen?.route, "/v1/check/:id");
    assert.deepEqual(new Set(stolen?.attribution), new Set([ACME.id, SHOP.id, POLICE.id]));
    const clean = meterOf(await check(CLEAN_PHONE));
    assert.deepEqual(new Set(clean?.attribution), new Set([ACME.id, SHOP.id, REGULATOR.id]));
    assert.deepEqual(meterOf(await check("356938035643809"))?.attribution, []);

    // A bulk check needs a key, and the key the bulk scope.
    const keyless = await bulk({ ids: [CLEAN_PHONE] }, {});
    assert.equal(keyless.status, 401);
    assert.equal(codeOf(keyless), "ACCESS_KEY_REQUIRED");
    const checkOnly = await bulk({ ids: [CLEAN_PHONE] }, bearer(t.apiKey({ scopes: ["check"] })));
    assert.equal(codeOf(checkOnly), "ACCESS_SCOPE_FORBIDDEN");
    const ok = await bulk({ ids: [CLEAN_PHONE] });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(meterOf(ok)?.scope, "bulk");
    assert.equal(records(), before + 4, "the three keyed checks and the bulk one");
  });

  test("POST /v1/check: reports in order, per-id errors inline, all of one height", async () => {
    const r = await bulk({ ids: [STOLEN_PHONE, "490154203237519", CLEAN_PHONE] });
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
    const many = await bulk({ ids: Array.from({ length: 1_001 }, () => CLEAN_PHONE) });
    assert.equal(many.status, 400);
    assert.equal(codeOf(many), "CHECK_BATCH_TOO_LARGE");
    const huge = await bulk({ ids: Array.from({ length: 1_000 }, () => "x".repeat(250)) });
    assert.equal(codeOf(huge), "REQUEST_TOO_LARGE");
    const wrong = await bulk({ id: 1 });
    assert.equal(codeOf(wrong), "REQUEST_BAD_PARAMS");
    const full = await bulk({ ids: Array.from({ length: 1_000 }, () => CLEAN_PHONE) });
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
