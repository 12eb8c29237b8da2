import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Signer, signerFromSeed } from "../src/core/crypto/ed25519.js";
import { sha256 } from "../src/core/crypto/hash.js";
import { utf8 } from "../src/core/encoding/bytes.js";
import type { JsonObject } from "../src/core/encoding/canonical-json.js";
import type { Genesis } from "../src/core/machine/genesis.js";
import { encodeTx, signTx } from "../src/core/tx/transaction.js";
import type { TxType } from "../src/core/tx/tx-type.js";

export const BENCH_CHAIN = "devicechain-bench";

export const benchSigner = (name: string): Signer => signerFromSeed(sha256(utf8(`bench:${name}`)));

/** A temp data dir holding a genesis with one regulator. */
export function benchDataDir(regulator: Signer): { dir: string; genesis: Genesis } {
  const dir = mkdtempSync(path.join(tmpdir(), "dc-bench-"));
  const genesis: Genesis = {
    chainId: BENCH_CHAIN,
    genesisTime: "2026-01-01T00:00:00Z",
    members: [
      { id: "regulator", role: "regulator", name: "Bench regulator", key: regulator.keyId },
    ],
  };
  writeFileSync(path.join(dir, "genesis.json"), JSON.stringify(genesis, null, 2));
  return { dir, genesis };
}

/** Encoded, signed transaction bytes. */
export function txBytes(
  signer: Signer,
  nonce: number,
  type: TxType,
  params: JsonObject,
): Uint8Array {
  return encodeTx(
    signTx(signer, { chain: BENCH_CHAIN, signer: signer.keyId, nonce, type, params }),
  );
}

/** A 15-digit IMEI with its Luhn check digit from 14 digits. */
export function withCheckDigit(d14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = d14.charCodeAt(i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return d14 + String((10 - (sum % 10)) % 10);
}
