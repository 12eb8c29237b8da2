import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../../core/errors/devicechain-error.js";
import { MAX_BULK_IDENTIFIERS } from "../../core/machine/actions/register.js";
import { MAX_TX_BYTES } from "../../core/tx/transaction.js";
import { batches, readImportCsv, rowRejections } from "./import-command.js";

test("rows are checked locally: good rows kept, bad rows named by line and code", () => {
  const { rows, rejected } = readImportCsv(
    [
      "IMEI,imei2,mac,serial",
      "490154203237518,,,", // TS 23.003's example IMEI
      "356938035643809,,02:AB:CD:EF:01:23,SN-1",
      "490154203237519,,,", // wrong check digit
      "",
      ",,,SN-2", // a serial alone is enough
      ",,,", // a blank row, like the empty line above, is skipped
      "49015420323751,,,", // the same device again (14 digits, no check digit)
    ].join("\n"),
  );
  assert.deepEqual(
    rows.map((r) => [r.line, r.device]),
    [
      [2, { ids: ["490154203237518"] }],
      [3, { ids: ["356938035643809", "02:AB:CD:EF:01:23"], serial: "SN-1" }],
      [6, { ids: [], serial: "SN-2" }],
    ],
  );
  assert.deepEqual(
    rejected.map((r) => [r.line, r.code]),
    [
      [4, "IMEI_BAD_CHECK_DIGIT"],
      [8, "DEVICE_EXISTS"],
    ],
  );
});

test("a header without an identifier column, or with an unknown one, is refused", () => {
  assert.throws(
    () => readImportCsv("device_key\nabc\n"),
    (e) => isError(e, "REQUEST_BAD_PARAMS"),
  );
  assert.throws(
    () => readImportCsv("imei,colour\n490154203237518,red\n"),
    (e) => isError(e, "REQUEST_BAD_PARAMS"),
  );
});

test("batches respect both the identifier limit and the transaction size", () => {
  const row = (line: number, ids: number, serial = "") => ({
    line,
    device: { ids: Array.from({ length: ids }, (_, i) => `id${line}-${i}`), serial },
    idCount: ids + (serial === "" ? 0 : 1),
  });
  const byIds = batches(Array.from({ length: 6_000 }, (_, i) => row(i, 2)));
  assert.deepEqual(
    byIds.map((b) => b.length),
    [MAX_BULK_IDENTIFIERS / 2, 1_000],
  );
  const long = "S".repeat(200);
  const bySize = batches(Array.from({ length: 9_000 }, (_, i) => row(i, 0, long)));
  assert.ok(bySize.length > 1);
  for (const b of bySize) {
    const bytes = b.reduce((n, r) => n + JSON.stringify(r.device).length + 1, 0);
    assert.ok(bytes < MAX_TX_BYTES, `${bytes} bytes`);
  }
  assert.equal(
    bySize.reduce((n, b) => n + b.length, 0),
    9_000,
  );
});

test("a duplicate inside the file names the line that holds it first, serials included", () => {
  const { rows, rejected } = readImportCsv(
    [
      "imei,mac,serial",
      '490154203237518,,"SN-1"',
      "356938035643809,02:AB:CD:EF:01:23,",
      ",02-ab-cd-ef-01-23,", // the MAC of line 3, written another way
      ",,sn-1", // serials are upper-cased: the serial of line 2
    ].join("\n"),
  );
  assert.deepEqual(
    rows.map((r) => r.line),
    [2, 3],
  );
  assert.deepEqual(rejected, [
    { line: 4, code: "DEVICE_EXISTS", id: "02-ab-cd-ef-01-23", duplicateOf: 3 },
    { line: 5, code: "DEVICE_EXISTS", id: "sn-1", duplicateOf: 2 },
  ]);
});

test("the node's refusal, one problem per identifier, becomes one rejection per row, as written", () => {
  const { rows } = readImportCsv(
    [
      "imei,imei2,mac,serial",
      "356938035643809,,,",
      "490154203237518,356938035643791,02:DC:49:01:54:20,SN-9",
    ].join("\n"),
  );
  // As register.ts refuses them: keys, the serial under the signer's own member id.
  const problems = [
    { index: 1, code: "DEVICE_EXISTS", id: "imei:49015420323751" },
    { index: 1, code: "DEVICE_EXISTS", id: "imei:35693803564379" },
    { index: 1, code: "DEVICE_EXISTS", id: "mac:02DC49015420" },
    { index: 1, code: "DEVICE_EXISTS", id: "serial:acme-phones:SN-9" },
  ];
  assert.deepEqual(rowRejections(rows, problems), [
    {
      line: 3,
      code: "DEVICE_EXISTS",
      id: "490154203237518",
      ids: ["490154203237518", "356938035643791", "02:DC:49:01:54:20", "SN-9"],
    },
  ]);
});
