import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../errors/devicechain-error.js";
import { parseEui64 } from "./eui64.js";

const EXPECTED = {
  kind: "eui64",
  key: "eui64:0013A20041A7B3C4",
  display: "00-13-A2-00-41-A7-B3-C4",
};

test("an EUI-64 parses bare or with one separator throughout, in any case", () => {
  for (const s of [
    "0013a20041a7b3c4",
    "0013A20041A7B3C4",
    "00-13-a2-00-41-A7-b3-c4",
    "00:13:A2:00:41:A7:B3:C4",
  ]) {
    assert.deepEqual(parseEui64(s), EXPECTED, s);
  }
});

test("malformed EUI-64s are refused", () => {
  for (const bad of [
    "00-13-a2-00:41-a7-b3-c4",
    "0013.a200.41a7.b3c4",
    "0013a20041a7b3c",
    "0013a20041a7b3c4d",
    "00-13-a2-00-41-a7-b3",
    "zz13a20041a7b3c4",
    "",
  ]) {
    assert.throws(
      () => parseEui64(bad),
      (e) => isError(e, "EUI64_BAD_FORMAT"),
      bad,
    );
  }
});
