import { createPublicKey, type KeyObject, verify } from "node:crypto";

/**
 * OAuth2 bearer tokens on the SBI (TS 33.501 §13.4.1, TS 29.510 §6.3.5.2.4 AccessTokenClaims):
 * a JWS compact token issued by the NRF, checked locally against the NRF's public key. No call
 * to the NRF per request.
 */
export interface AccessTokenPolicy {
  /** The NRF's signing key (PEM text): RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA). */
  readonly publicKeyPem: string;
  /** The NRF's NfInstanceId expected in `iss`; undefined accepts any issuer. */
  readonly issuer: string | undefined;
  /** Our NF type; `aud` may name it ("5G_EIR") or list our NfInstanceId. */
  readonly nfType: string;
  readonly nfInstanceId: string;
  /** The scope a token must grant: the service name, e.g. "n5g-eir-eic". */
  readonly scope: string;
  /** Seconds of clock difference tolerated on exp and nbf. */
  readonly leewaySeconds: number;
}

export type TokenVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** 401 for a missing or invalid token, 403 for one that lacks the scope (RFC 6750 §3.1). */
      readonly status: 401 | 403;
      /** The RFC 6750 WWW-Authenticate challenge. */
      readonly challenge: string;
      readonly detail: string;
    };

interface Claims {
  readonly iss?: unknown;
  readonly sub?: unknown;
  readonly aud?: unknown;
  readonly scope?: unknown;
  readonly exp?: unknown;
  readonly nbf?: unknown;
}

/** The one JWS algorithm a key may be used with: a token cannot choose a weaker one. */
function algorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return "RS256";
    case "ec":
      if (key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
        throw new Error("an EC access-token key must be on P-256 (ES256)");
      }
      return "ES256";
    case "ed25519":
      return "EdDSA";
    default:
      throw new Error(
        `access-token keys must be RSA, EC P-256 or Ed25519, not ${key.asymmetricKeyType}`,
      );
  }
}

const CACHE_LIMIT = 10_000;

/** Checks bearer tokens; a token seen before is answered from a cache until it expires. */
export class AccessTokenVerifier {
  private readonly key: KeyObject;
  private readonly alg: string;
  /** Token → exp (seconds) of tokens that passed every check. */
  private readonly accepted = new Map<string, number>();

  constructor(
    private readonly policy: AccessTokenPolicy,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {
    this.key = createPublicKey(policy.publicKeyPem);
    this.alg = algorithmOf(this.key);
  }

  /** The verdict for an Authorization header value (or its absence). */
  check(authorization: string | undefined): TokenVerdict {
    if (authorization === undefined || authorization === "") {
      return this.deny(401, `Bearer scope="${this.policy.scope}"`, "an access token is required");
    }
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(authorization);
    if (!match) return this.invalid("the Authorization header is not a Bearer JWS token");
    const token = match[1] as string;
    const now = this.nowSeconds();
    const exp = this.accepted.get(token);
    if (exp !== undefined) {
      if (now <= exp + this.policy.leewaySeconds) return { ok: true };
      this.accepted.delete(token);
      return this.invalid("the access token has expired");
    }
    return this.verify(token, now);
  }

  private verify(token: string, now: number): TokenVerdict {
    const [headerPart, payloadPart, signaturePart] = token.split(".") as [string, string, string];
    const header = parseJsonPart(headerPart);
    if (header?.alg !== this.alg) {
      return this.invalid(`the token must be signed with ${this.alg}`);
    }
    const signature = Buffer.from(signaturePart, "base64url");
    const signed = Buffer.from(`${headerPart}.${payloadPart}`);
    const good = verify(
      this.alg === "EdDSA" ? null : "sha256",
      signed,
      this.alg === "ES256" ? { key: this.key, dsaEncoding: "ieee-p1363" } : this.key,
      signature,
    );
    if (!good) return this.invalid("the token signature does not verify");
    const claims = parseJsonPart(payloadPart) as Claims | undefined;
    if (!claims) return this.invalid("the token claims are not a JSON object");
    const { policy } = this;
    if (typeof claims.exp !== "number" || !Number.isFinite(claims.exp)) {
      return this.invalid("the token has no exp claim");
    }
    if (now > claims.exp + policy.leewaySeconds)
      return this.invalid("the access token has expired");
    if (typeof claims.nbf === "number" && now + policy.leewaySeconds < claims.nbf) {
      return this.invalid("the access token is not valid yet");
    }
    if (typeof claims.sub !== "string") return this.invalid("the token has no sub claim");
    if (
      typeof claims.iss !== "string" ||
      (policy.issuer !== undefined && claims.iss !== policy.issuer)
    ) {
      return this.invalid("the token was not issued by the configured NRF");
    }
    const forUs =
      claims.aud === policy.nfType ||
      (Array.isArray(claims.aud) && claims.aud.includes(policy.nfInstanceId));
    if (!forUs) {
      return this.invalid(`the token audience is neither ${policy.nfType} nor this NF instance`);
    }
    const scopes = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
    if (!scopes.includes(policy.scope)) {
      return this.deny(
        403,
        `Bearer error="insufficient_scope", scope="${policy.scope}"`,
        `the token does not grant the scope ${policy.scope}`,
      );
    }
    if (this.accepted.size >= CACHE_LIMIT) this.accepted.clear();
    this.accepted.set(token, claims.exp);
    return { ok: true };
  }

  private invalid(detail: string): TokenVerdict {
    return this.deny(401, `Bearer error="invalid_token", error_description="${detail}"`, detail);
  }

  private deny(status: 401 | 403, challenge: string, detail: string): TokenVerdict {
    return { ok: false, status, challenge, detail };
  }
}

function parseJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
