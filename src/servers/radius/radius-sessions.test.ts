import * as assert from "node:assert/strict";
import { test } from "node:test";
import { type RadiusClient, RadiusSessions } from "./radius-sessions.js";

const nas = (address: string): RadiusClient => ({
  address,
  name: address,
  secret: Buffer.from("s"),
  coaPort: 3799,
  requireMessageAuthenticator: true,
});

test("sessions: by device, refreshed in place, forgotten on stop and on Accounting-On, bounded", () => {
  const s = new RadiusSessions(3);
  const a = nas("192.0.2.1");
  const b = nas("192.0.2.2");
  assert.ok(s.upsert({ client: a, acctSessionId: "1", identifierKey: "mac:1", since: 1 }));
  assert.ok(s.upsert({ client: b, acctSessionId: "1", identifierKey: "mac:1", since: 2 }));
  assert.ok(s.upsert({ client: a, acctSessionId: "2", identifierKey: "mac:2", since: 3 }));
  assert.equal(s.ofIdentifier("mac:1").length, 2);
  // Full: a new session is refused, an interim update of a known one is not.
  assert.ok(!s.upsert({ client: b, acctSessionId: "9", identifierKey: "mac:9", since: 4 }));
  assert.ok(s.upsert({ client: a, acctSessionId: "2", identifierKey: "mac:3", since: 5 }));
  assert.equal(s.ofIdentifier("mac:2").length, 0, "re-keyed to the device the NAS now names");
  assert.equal(s.ofIdentifier("mac:3")[0]?.since, 3, "keeps its first-seen time");
  assert.ok(s.remove(b.address, "1"));
  assert.equal(s.ofIdentifier("mac:1").length, 1);
  assert.equal(s.removeClient(a.address), 2);
  assert.equal(s.size, 0);
});
