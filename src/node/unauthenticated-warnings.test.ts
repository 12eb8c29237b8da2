import * as assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_SETTINGS } from "./node-config.js";
import { isLoopbackHost, unauthenticatedInterfaceWarnings } from "./unauthenticated-warnings.js";

test("loopback hosts: 127.0.0.0/8, ::1 and localhost; anything else may be reached from outside", () => {
  for (const h of [
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "[::1]",
    "localhost",
    "LOCALHOST",
    "::ffff:127.0.0.1",
  ]) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ["0.0.0.0", "::", "10.0.0.5", "192.0.2.1", "eir.example.org", "128.0.0.1"]) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

test("one warning per interface served without authentication, naming the setting that fixes it", () => {
  const open = { ...DEFAULT_SETTINGS, host: "0.0.0.0" };
  const warnings = unauthenticatedInterfaceWarnings(open);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0] ?? "", /N5g-eir.*"oauth2"/);
  assert.match(warnings[1] ?? "", /S13.*"diameterPeers"/);
  assert.match(warnings[2] ?? "", /rlm_rest.*"rlmRestTokenFile"/);
  // On loopback only this machine can ask: nothing to say.
  assert.deepEqual(unauthenticatedInterfaceWarnings(DEFAULT_SETTINGS), []);
  // Each setting silences its own warning; S13 turned off needs none.
  const secured = {
    ...open,
    oauth2: true,
    diameterPeers: [{ host: "mme.example.org", realm: "example.org" }],
    rlmRestTokenFile: "rlm-rest.token",
  };
  assert.deepEqual(unauthenticatedInterfaceWarnings(secured), []);
  assert.deepEqual(
    unauthenticatedInterfaceWarnings({ ...secured, diameterPeers: [], s13Port: -1 }),
    [],
  );
  // A RADIUS client allowed to omit the Message-Authenticator is named.
  const lax = unauthenticatedInterfaceWarnings({
    ...secured,
    radiusClients: [
      { address: "192.0.2.10", secret: "s", name: "ap-lobby", requireMessageAuthenticator: false },
      { address: "192.0.2.11", secret: "s" },
    ],
  });
  assert.equal(lax.length, 1);
  assert.match(lax[0] ?? "", /ap-lobby.*requireMessageAuthenticator/);
});
