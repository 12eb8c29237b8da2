import * as assert from "node:assert/strict";
import { test } from "node:test";
import { csvField, parseCsv, parseCsvRows } from "./csv.js";

test("RFC 4180: quoted fields, doubled quotes, CRLF and LF, no trailing empty row", () => {
  assert.deepEqual(parseCsv('a,b\r\n"x,1","say ""hi"""\n,z\n'), [
    ["a", "b"],
    ["x,1", 'say "hi"'],
    ["", "z"],
  ]);
  assert.deepEqual(parseCsv("a\nb"), [["a"], ["b"]]);
});

test("csvField quotes only when it must, and round-trips", () => {
  assert.equal(csvField("plain"), "plain");
  const tricky = ["a,b", 'q"q', "l\nl"];
  const line = tricky.map(csvField).join(",");
  assert.deepEqual(parseCsv(line), [tricky]);
});

test("each record carries the line it starts on, counting line breaks inside quotes", () => {
  assert.deepEqual(
    parseCsvRows('h\r\n"two\nlines"\n\nnext\r\n').map((r) => [r.line, r.cells]),
    [
      [1, ["h"]],
      [2, ["two\nlines"]],
      [4, [""]],
      [5, ["next"]],
    ],
  );
});
