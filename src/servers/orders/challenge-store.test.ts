import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../../core/errors/devicechain-error.js";
import { CHALLENGE_TTL_MS, ChallengeStore } from "./challenge-store.js";

const code = (f: () => unknown, c: string) => assert.throws(f, (e) => isError(e, c as never), c);

test("a challenge expires after 60 s, by the store's clock", () => {
  let now = 1_000_000;
  const s = new ChallengeStore(() => now);
  const a = s.issue("imei:1", "resale");
  assert.equal(a.expiresAt, now + CHALLENGE_TTL_MS);
  const b = s.issue("imei:1", "resale");
  assert.notEqual(a.challenge, b.challenge);
  now += CHALLENGE_TTL_MS;
  assert.equal(s.spend(a.challenge, "imei:1"), "resale", "still valid at exactly 60 s");
  now += 1;
  code(() => s.spend(b.challenge, "imei:1"), "CHALLENGE_EXPIRED");
});

test("the store is bounded: expired entries make room, else CHALLENGE_STORE_FULL", () => {
  let now = 0;
  const s = new ChallengeStore(() => now, 3);
  for (let i = 0; i < 3; i++) s.issue("imei:1", "p");
  code(() => s.issue("imei:1", "p"), "CHALLENGE_STORE_FULL");
  now = CHALLENGE_TTL_MS + 1;
  s.issue("imei:1", "p");
  assert.equal(s.size, 1);
});
