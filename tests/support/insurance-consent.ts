/** An owner's consent to an insurance.settle, signed as `devicechain consent insurance` signs it. */
import type { Signer } from "../../src/core/crypto/ed25519.js";
import { toBase64Url } from "../../src/core/encoding/bytes.js";
import { insuranceConsentBytes } from "../../src/core/machine/actions/insurance.js";
import { TEST_CHAIN } from "./signers.js";

/** The base64url consent of `owner` to `insurer` settling `claim` on the device (primary key). */
export function insuranceConsent(
  owner: Signer,
  c: { device: string; insurer: string; claim: string; owner?: string; chain?: string },
): string {
  const bytes = insuranceConsentBytes({
    chain: c.chain ?? TEST_CHAIN,
    device: c.device,
    insurer: c.insurer,
    claim: c.claim,
    owner: c.owner ?? owner.keyId,
  });
  return toBase64Url(owner.sign(bytes));
}
