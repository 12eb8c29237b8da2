import type { Signer } from "../../core/crypto/ed25519.js";
import type { JsonObject } from "../../core/encoding/canonical-json.js";
import { type SignedTx, signTx } from "../../core/tx/transaction.js";
import type { TxType } from "../../core/tx/tx-type.js";
import type { CommittedResult, NodeClient } from "./node-client.js";

/** Sign a transaction locally: the key never leaves the client. */
export function buildTx(
  signer: Signer,
  chain: string,
  nonce: number,
  type: TxType,
  params: JsonObject,
): SignedTx {
  return signTx(signer, { chain, signer: signer.keyId, nonce, type, params });
}

/** Sign and submit, asking the node for the chain id and the next nonce unless given. */
export async function sendTx(
  client: NodeClient,
  signer: Signer,
  type: TxType,
  params: JsonObject,
  opts: { nonce?: number; chain?: string } = {},
): Promise<CommittedResult> {
  const chain = opts.chain ?? (await client.status()).chainId;
  const nonce = opts.nonce ?? (await client.account(signer.keyId)).nextNonce;
  return client.submit(buildTx(signer, chain, nonce, type, params));
}
