import * as assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { describe, test } from "node:test";
import { AccessTokenVerifier, type TokenVerdict } from "./access-token.js";

const NOW = 1_800_000_000;
const INSTANCE = "6c7b4b7e-1111-4c1a-9d2b-0123456789ab";
const NRF = "9e9f3a1c-2222-4e5f-8a7b-fedcba987654";

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** A JWS compact token (RFC 7515), signed as the NRF would. */
function jws(alg: string, key: KeyObject, claims: Record<string, unknown>): string {
  const input = `${b64({ alg, typ: "JWT" })}.${b64(claims)}`;
  const sig =
    alg === "EdDSA"
      ? sign(null, Buffer.from(input), key)
      : sign(
          "sha256",
          Buffer.from(input),
          alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key,
        );
  return `${input}.${sig.toString("base64url")}`;
}

const good = {
  iss: NRF,
  sub: "a1b2c3d4-3333-4aaa-8bbb-000000000001",
  aud: "5G_EIR",
  scope: "n5g-eir-eic",
  exp: NOW + 600,
};

/** issuer null: accept any issuer. */
function verifier(publicKey: KeyObject, issuer: string | null = NRF, clock = () => NOW) {
  return new AccessTokenVerifier(
    {
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      issuer: issuer ?? undefined,
      nfType: "5G_EIR",
      nfInstanceId: INSTANCE,
      scope: "n5g-eir-eic",
      leewaySeconds: 30,
    },
    clock,
  );
}

function denied(v: TokenVerdict, status: number, error?: string): void {
  assert.equal(v.ok, false);
  if (v.ok) return;
  assert.equal(v.status, status);
  if (error) assert.match(v.challenge, new RegExp(`error="${error}"`));
}

describe("OAuth2 access tokens on the N5g-eir service", () => {
  const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const v = verifier(ec.publicKey);
  const bearer = (claims: Record<string, unknown>, key = ec.privateKey, alg = "ES256") =>
    `Bearer ${jws(alg, key, claims)}`;

  test("a token from the NRF with the scope and our NF type as audience passes", () => {
    assert.deepEqual(v.check(bearer(good)), { ok: true });
    // aud may instead list NF instance ids that include ours; scope may hold several services.
    assert.deepEqual(
      v.check(bearer({ ...good, aud: ["someone-else", INSTANCE], scope: "nudm-sdm n5g-eir-eic" })),
      { ok: true },
    );
  });

  test("no token, or not a Bearer JWS, is 401", () => {
    denied(v.check(undefined), 401);
    denied(v.check("Basic dXNlcjpwYXNz"), 401, "invalid_token");
    denied(v.check("Bearer not-a-jwt"), 401, "invalid_token");
  });

  test("a bad signature, another key, alg none or HS256 with the public key is 401", () => {
    const token = jws("ES256", ec.privateKey, good);
    const [h, p, s] = token.split(".") as [string, string, string];
    const flipped = Buffer.from(s, "base64url");
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    denied(v.check(`Bearer ${h}.${p}.${flipped.toString("base64url")}`), 401, "invalid_token");
    const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    denied(v.check(bearer(good, other.privateKey)), 401, "invalid_token");
    denied(v.check(`Bearer ${b64({ alg: "none" })}.${b64(good)}.AAAA`), 401, "invalid_token");
    // The classic algorithm confusion: HMAC keyed with the public key's PEM.
    const pem = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
    const input = `${b64({ alg: "HS256" })}.${b64(good)}`;
    const mac = createHmac("sha256", pem).update(input).digest("base64url");
    denied(v.check(`Bearer ${input}.${mac}`), 401, "invalid_token");
  });

  test("expired, not yet valid, wrong issuer, wrong audience or no subject is 401", () => {
    denied(v.check(bearer({ ...good, exp: NOW - 31 })), 401, "invalid_token");
    denied(v.check(bearer({ ...good, exp: undefined })), 401, "invalid_token");
    denied(v.check(bearer({ ...good, nbf: NOW + 60 })), 401, "invalid_token");
    denied(v.check(bearer({ ...good, iss: "another-nrf" })), 401, "invalid_token");
    denied(v.check(bearer({ ...good, aud: "AMF" })), 401, "invalid_token");
    denied(v.check(bearer({ ...good, aud: ["someone-else"] })), 401, "invalid_token");
    denied(v.check(bearer({ ...good, sub: undefined })), 401, "invalid_token");
    // Within the clock leeway, a token just past exp still passes.
    assert.deepEqual(v.check(bearer({ ...good, exp: NOW - 29 })), { ok: true });
  });

  test("a valid token without the n5g-eir-eic scope is 403 insufficient_scope", () => {
    denied(v.check(bearer({ ...good, scope: "nudm-sdm" })), 403, "insufficient_scope");
    denied(v.check(bearer({ ...good, scope: "n5g-eir-eicx" })), 403, "insufficient_scope");
  });

  test("a cached token still expires", () => {
    let now = NOW;
    const clocked = verifier(ec.publicKey, NRF, () => now);
    const token = bearer({ ...good, exp: NOW + 10 });
    assert.deepEqual(clocked.check(token), { ok: true });
    now = NOW + 41;
    denied(clocked.check(token), 401, "invalid_token");
  });

  test("RSA keys take RS256 and Ed25519 keys EdDSA; any issuer when none is configured", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    assert.deepEqual(verifier(rsa.publicKey).check(bearer(good, rsa.privateKey, "RS256")), {
      ok: true,
    });
    const ed = generateKeyPairSync("ed25519");
    const anyIssuer = verifier(ed.publicKey, null);
    assert.deepEqual(anyIssuer.check(bearer({ ...good, iss: "x" }, ed.privateKey, "EdDSA")), {
      ok: true,
    });
    // A token may not pick another algorithm than the key's.
    denied(anyIssuer.check(bearer(good, ec.privateKey, "ES256")), 401, "invalid_token");
  });

  test("a key that is not RSA, P-256 or Ed25519 is refused at start", () => {
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
    assert.throws(() => verifier(p384.publicKey), /P-256/);
  });
});
