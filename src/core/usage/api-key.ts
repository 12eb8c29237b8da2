/**
 * The API keys third parties present (paid access): `dck_<id>_<secret>`, where the id is 16 hex
 * characters (public: it names the key in logs, statements and the CLI) and the secret 43
 * base64url characters (256 random bits). The node keeps only SHA-256 of the whole key. A fast
 * hash is enough here, unlike for passwords: nobody can guess 256 random bits however cheap
 * each guess is, and a slow KDF on every request would hand a hostile caller a CPU lever.
 */
import { sha256 } from "../crypto/hash.js";
import { toHex, utf8 } from "../encoding/bytes.js";

export const API_KEY_PREFIX = "dck_";
const KEY = /^dck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_ID = /^dck_[0-9a-f]{16}$/;

/** The public id of a presented key (`dck_<id>`), or undefined if it is not in the key form. */
export function apiKeyId(presented: string): string | undefined {
  const m = KEY.exec(presented);
  return m ? `${API_KEY_PREFIX}${m[1]}` : undefined;
}

/** True for a key id as `access key list` prints it. */
export const isApiKeyId = (s: string): boolean => KEY_ID.test(s);

/** What the store keeps of a key: SHA-256 of the whole presented key, hex. */
export function apiKeyHash(presented: string): string {
  return toHex(sha256(utf8(presented)));
}

/** The key a client presents, from its id's 16 hex and the secret's 32 random bytes (base64url). */
export function formatApiKey(idHex: string, secret: string): string {
  return `${API_KEY_PREFIX}${idHex}_${secret}`;
}
