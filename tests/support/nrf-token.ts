/**
 * An NRF's token signing, for tests of nodes with oauth2 on: a P-256 key whose public half a node
 * reads as oauth2PublicKeyFile, and ES256 access tokens (TS 29.510 §6.3.5.2.4 AccessTokenClaims)
 * for the n5g-eir-eic service, as an NRF issues them to an AMF.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";

export interface NrfTokens {
  /** The PEM file holding the NRF's public key. */
  readonly publicKeyFile: string;
  /** A token for N5g-eir, valid for ten minutes. */
  token(claims?: Record<string, unknown>): string;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** A fresh NRF key; its public key is written to DIR/nrf-public.pem. */
export function nrfTokens(dir: string): NrfTokens {
  const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const publicKeyFile = path.join(dir, "nrf-public.pem");
  writeFileSync(publicKeyFile, key.publicKey.export({ type: "spki", format: "pem" }));
  return {
    publicKeyFile,
    token(claims = {}) {
      const input = `${b64({ alg: "ES256", typ: "JWT" })}.${b64({
        iss: "9e9f3a1c-2222-4e5f-8a7b-fedcba987654",
        sub: "a1b2c3d4-3333-4aaa-8bbb-000000000001",
        aud: "5G_EIR",
        scope: "n5g-eir-eic",
        exp: Math.floor(Date.now() / 1000) + 600,
        ...claims,
      })}`;
      const sig = sign("sha256", Buffer.from(input), {
        key: key.privateKey,
        dsaEncoding: "ieee-p1363",
      });
      return `${input}.${sig.toString("base64url")}`;
    },
  };
}
