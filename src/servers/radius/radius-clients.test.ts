import * as assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeAddress } from "../remote-address.js";
import { radiusClientsProblem } from "./radius-clients.js";

test("radiusClients: good lists pass; each bad entry is named with what is wrong", () => {
  assert.equal(radiusClientsProblem([]), undefined);
  assert.equal(
    radiusClientsProblem([
      { address: "192.0.2.1", secret: "s", name: "ap-1", coaPort: 3799 },
      { address: "2001:db8::1", secret: "t", requireMessageAuthenticator: false },
    ]),
    undefined,
  );
  assert.match(radiusClientsProblem({}) ?? "", /must be a list/);
  assert.match(
    radiusClientsProblem([{ address: "ap.example", secret: "s" }]) ?? "",
    /entry 0: address/,
  );
  assert.match(radiusClientsProblem([{ address: "192.0.2.1" }]) ?? "", /entry 0: secret/);
  assert.match(
    radiusClientsProblem([{ address: "192.0.2.1", secret: "x".repeat(129) }]) ?? "",
    /secret/,
  );
  assert.match(
    radiusClientsProblem([
      { address: "192.0.2.1", secret: "s" },
      { address: "::ffff:192.0.2.1", secret: "t" },
    ]) ?? "",
    /entry 1: address ::ffff:192.0.2.1 is listed twice/,
  );
  assert.match(
    radiusClientsProblem([{ address: "192.0.2.1", secret: "s", coaPort: 0 }]) ?? "",
    /coaPort/,
  );
  assert.match(
    radiusClientsProblem([{ address: "192.0.2.1", secret: "s", port: 1812 }]) ?? "",
    /unknown field "port"/,
  );
});

test("addresses from a dual-stack socket find their IPv4 client", () => {
  assert.equal(normalizeAddress("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(normalizeAddress("2001:DB8::1"), "2001:db8::1");
});
