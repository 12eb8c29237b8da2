/** A chain held in memory, driven through executeBlock: the unit tests' ledger without storage. */
import type { Signer } from "../../src/core/crypto/ed25519.js";
import type { Json, JsonObject } from "../../src/core/encoding/canonical-json.js";
import { parseIdentifier } from "../../src/core/identifiers/identifier.js";
import { type Genesis, initChain } from "../../src/core/machine/genesis.js";
import { executeBlock, type TxResult } from "../../src/core/machine/state-machine.js";
import { lastNonce } from "../../src/core/machine/verify.js";
import { findDevice } from "../../src/core/state/device.js";
import type { StateReader } from "../../src/core/state/state.js";
import { encodeTx, type SignedTx } from "../../src/core/tx/transaction.js";
import type { TxType } from "../../src/core/tx/tx-type.js";
import { type TxStep, testGenesis } from "./consortium.js";
import { signed, TEST_CHAIN } from "./signers.js";

/** A state without its nonce entries: what a refused transaction must leave untouched. */
export function withoutNonces(state: ReadonlyMap<string, Json>): Map<string, Json> {
  return new Map([...state].filter(([k]) => !k.startsWith("nonce/")));
}

export class MemoryChain implements StateReader {
  readonly state = new Map<string, Json>();
  height = 0;

  constructor(genesis: Genesis) {
    for (const [k, v] of initChain(genesis)) if (v !== null) this.state.set(k, v);
  }

  /** A chain whose genesis has one regulator, testSigner("regulator"), member id "regulator". */
  static withRegulator(): MemoryChain {
    return new MemoryChain(testGenesis());
  }

  get(key: string): Json | undefined {
    return this.state.get(key);
  }

  /** A signed tx with the signer's next nonce, as the ledger holds it. */
  tx(signer: Signer, type: TxType, params: JsonObject, nonce?: number): SignedTx {
    return signed(signer, nonce ?? lastNonce(this, signer.keyId) + 1, type, params, TEST_CHAIN);
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

  /** Run the steps (e.g. consortiumSteps), one block each, each with its signer's next nonce. */
  run(steps: readonly TxStep[]): void {
    for (const s of steps) this.must(this.tx(s.signer, s.type, s.params));
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
