/** Test fixture (imported by tests only): a chain held in memory, driven through executeBlock. */
import { type Signer, signerFromSeed } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { utf8 } from "../encoding/bytes.js";
import type { Json, JsonObject } from "../encoding/canonical-json.js";
import { parseIdentifier } from "../identifiers/identifier.js";
import { findDevice } from "../state/device.js";
import type { StateReader } from "../state/state.js";
import { encodeTx, type SignedTx, signTx } from "../tx/transaction.js";
import type { TxType } from "../tx/tx-type.js";
import { type Genesis, initChain } from "./genesis.js";
import { executeBlock, type TxResult } from "./state-machine.js";
import { lastNonce } from "./verify.js";

/** A state without its nonce entries: what a refused transaction must leave untouched. */
export function withoutNonces(state: ReadonlyMap<string, Json>): Map<string, Json> {
  return new Map([...state].filter(([k]) => !k.startsWith("nonce/")));
}

export const TEST_CHAIN = "devicechain-test";

export const testSigner = (name: string): Signer => signerFromSeed(sha256(utf8(`test:${name}`)));

export class MemoryChain implements StateReader {
  readonly state = new Map<string, Json>();
  height = 0;

  constructor(genesis: Genesis) {
    for (const [k, v] of initChain(genesis)) if (v !== null) this.state.set(k, v);
  }

  /** A chain whose genesis has one regulator, testSigner("regulator"), member id "regulator". */
  static withRegulator(): MemoryChain {
    return new MemoryChain({
      chainId: TEST_CHAIN,
      genesisTime: "2026-01-01T00:00:00Z",
      members: [
        {
          id: "regulator",
          role: "regulator",
          name: "Regulator",
          key: testSigner("regulator").keyId,
        },
      ],
    });
  }

  get(key: string): Json | undefined {
    return this.state.get(key);
  }

  /** A signed tx with the signer's next nonce, as the ledger holds it. */
  tx(signer: Signer, type: TxType, params: JsonObject, nonce?: number): SignedTx {
    const n = nonce ?? lastNonce(this, signer.keyId) + 1;
    return signTx(signer, { chain: TEST_CHAIN, signer: signer.keyId, nonce: n, type, params });
  }

  /** Execute one block and apply its writes (a refused but authentic tx spends its nonce). */
  block(txs: readonly SignedTx[]): TxResult[] {
    this.height++;
    const { results, writes } = executeBlock(this, {
      height: this.height,
      time: Date.parse("2026-06-01T00:00:00Z") + this.height * 1_000,
      txs: txs.map(encodeTx),
    });
    for (const [k, v] of writes) {
      if (v === null) this.state.delete(k);
      else this.state.set(k, v);
    }
    return [...results];
  }

  /** The id of the device's open offer (its offer transaction's hash), or zeros if none. */
  offerId(identifier: string): string {
    const d = findDevice(this, parseIdentifier(identifier, "person").key);
    return d?.offer?.tx ?? "0".repeat(64);
  }

  /** Run txs one block each, failing loudly if any is refused: for building test states. */
  must(...txs: SignedTx[]): void {
    for (const t of txs) {
      const [r] = this.block([t]);
      if (r?.code !== 0) throw new Error(`setup ${t.body.type} failed: ${r?.codeName} ${r?.log}`);
    }
  }

  /** A deep copy, so each test cell starts from the same state. */
  fork(): MemoryChain {
    const copy = Object.create(MemoryChain.prototype) as MemoryChain;
    Object.assign(copy, {
      state: new Map(this.state),
      height: this.height,
    });
    return copy;
  }
}
