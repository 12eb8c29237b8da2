import * as assert from "node:assert/strict";
import { test } from "node:test";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import { displayIdentifier } from "./identifier-display.js";

test("keys print as the user wrote them, and each printed form finds the same key again", () => {
  const cases: [string, string][] = [
    // TS 23.003's example IMEI: the registry key drops the check digit 8.
    ["imei:49015420323751", "490154203237518"],
    ["mac:02ABCD000009", "02-AB-CD-00-00-09"],
    ["eui64:0011223344556677", "00-11-22-33-44-55-66-77"],
    ["serial:acme-phones:SN-99", "serial:acme-phones:SN-99"],
  ];
  for (const [key, shown] of cases) {
    assert.equal(displayIdentifier(key), shown);
    assert.equal(parseIdentifier(shown, "person").key, key);
  }
  assert.equal(displayIdentifier("something-else"), "something-else");
});
