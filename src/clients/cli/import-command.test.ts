import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../../core/errors/devicechain-error.js";
import { MAX_BULK_IDENTIFIERS } from "../../core/machine/actions/register.js";
import { MAX_TX_BYTES } from "../../core/tx/transaction.js";
import { batches, readImportCsv } from "./import-command.js";

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
