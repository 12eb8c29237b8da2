import { createHmac, timingSafeEqual } from "node:crypto";
import { type Signer, verifyEd25519 } from "../../core/crypto/ed25519.js";
import { fromBase64Url, toBase64Url, utf8 } from "../../core/encoding/bytes.js";
import type { SigningScheme } from "../../servers/push/webhook-registry.js";

/**
 * Webhook deliveries are signed over `<delivery id>.<timestamp ms>.<body>`, so a receiver can
 * check who sent the body, that it was not altered, and how old it is; the delivery id lets it
 * drop a retry it has already processed.
 */
export const DELIVERY_HEADERS = {
  id: "devicechain-delivery",
  timestamp: "devicechain-timestamp",
  signature: "devicechain-signature",
} as const;

function signedText(id: string, timestamp: number, body: string): string {
  return `${id}.${timestamp}.${body}`;
}

/** The signature header value: `ed25519=<base64url>` by the node key, or `hmac-sha256=<hex>`. */
export function signDelivery(
  scheme: SigningScheme,
  key: Signer | string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const text = signedText(id, timestamp, body);
  if (scheme === "ed25519") {
    return `ed25519=${toBase64Url((key as Signer).sign(utf8(text)))}`;
  }
  return `hmac-sha256=${createHmac("sha256", key as string)
    .update(text)
    .digest("hex")}`;
}

/** For receivers: true if the signature header is valid for this delivery. */
export function verifyDelivery(
  header: string,
  verifier: { nodeKeyId: string } | { secret: string },
  id: string,
  timestamp: number,
  body: string,
): boolean {
  const text = signedText(id, timestamp, body);
  const [scheme, value = ""] = header.split("=", 2);
  if (scheme === "ed25519" && "nodeKeyId" in verifier) {
    const sig = fromBase64Url(value);
    return sig !== undefined && verifyEd25519(verifier.nodeKeyId, utf8(text), sig);
  }
  if (scheme === "hmac-sha256" && "secret" in verifier) {
    const expected = createHmac("sha256", verifier.secret).update(text).digest();
    const given = Buffer.from(value, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  return false;
}
