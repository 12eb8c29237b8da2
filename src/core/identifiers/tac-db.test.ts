import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { isError } from "../errors/devicechain-error.js";
import { parseTacDb } from "./tac-db.js";

// The Osmocom TAC database as the project ships it (share/tacdb.csv.gz: the upstream file,
// unmodified, gzipped).
const shipped = gunzipSync(
  readFileSync(new URL("../../../../share/tacdb.csv.gz", import.meta.url)),
).toString("utf8");

test("the shipped database: known TACs name their brand and model (rows of the upstream file)", () => {
  const db = parseTacDb(shipped);
  assert.deepEqual(db.lookup("35675904"), { brand: "Oppo", model: "N1" });
  // TS 23.003's example IMEI 490154203237518 and the demo's clean phone.
  assert.deepEqual(db.lookup("49015420"), { brand: "Nokia", model: "3110" });
  assert.deepEqual(db.lookup("35693803"), { brand: "Nokia", model: "N900" });
  // A row with a quoted "aka" cell holding commas.
  assert.deepEqual(db.lookup("49013920"), { brand: "Nokia", model: "1610" });
  assert.equal(db.lookup("99999999"), undefined);
  assert.ok(db.size > 25_000, `${db.size} TACs`);
});

test("the attribution is the file's own notice line", () => {
  assert.equal(
    parseTacDb(shipped).attribution,
    "Osmocom TAC database under CC-BY-SA v3.0 (c) Harald Welte 2016",
  );
});

test("cells are trimmed, and a TAC that lost its leading zero gets it back", () => {
  const db = parseTacDb(shipped);
  // Upstream writes " 35572302" with a space, and Apple's 01130000 as 1130000.
  assert.deepEqual(db.lookup("35572302"), { brand: "Nokia", model: "3120 classic" });
  assert.deepEqual(db.lookup("01130000"), { brand: "Apple", model: "iPhone 4" });
  assert.equal(db.lookup("1130000"), undefined);
});

test("CRLF lines, a repeated TAC (the first wins) and rows without a TAC", () => {
  const db = parseTacDb(
    "Osmocom TAC database under CC-BY-SA v3.0 (c) Harald Welte 2016\r\n" +
      "tac,name,name,contributor\r\n" +
      '12345678,Acme,"Phone, 2",x\r\n' +
      "12345678,Other,Phone 3,y\r\n" +
      "notatac,Acme,Phone 4,z\r\n",
  );
  assert.deepEqual(db.lookup("12345678"), { brand: "Acme", model: "Phone, 2" });
  assert.equal(db.size, 1);
});

test("a file without its licence notice or header is refused", () => {
  assert.throws(
    () => parseTacDb("tac,name,name\n12345678,Acme,Phone\n"),
    (e) => isError(e, "TAC_DB_INVALID"),
  );
  assert.throws(
    () => parseTacDb("Osmocom TAC database under CC-BY-SA v3.0\n12345678,Acme,Phone\n"),
    (e) => isError(e, "TAC_DB_INVALID"),
  );
});
