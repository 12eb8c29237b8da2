import { readFileSync } from "node:fs";
import path from "node:path";
import { makeError } from "../core/errors/devicechain-error.js";

/** RFC 6750 b64token, and long enough not to be guessed: 32 characters at least. */
const TOKEN = /^[A-Za-z0-9\-._~+/]{32,512}=*$/;

/** The bearer token rlm_rest requests must carry, read from rlmRestTokenFile (its first line). */
export function readRlmRestToken(dataDir: string, tokenFile: string): string {
  const file = path.resolve(dataDir, tokenFile);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw makeError("CONFIG_INVALID", `config: cannot read rlmRestTokenFile ${file}`, {
      cause,
    });
  }
  const token = text.split("\n")[0]?.trim() ?? "";
  if (!TOKEN.test(token)) {
    throw makeError(
      "CONFIG_INVALID",
      `config: rlmRestTokenFile ${file} must hold one token of 32 to 512 letters, digits or -._~+/ (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  return token;
}
